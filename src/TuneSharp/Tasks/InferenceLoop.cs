using TorchSharp;
using static TorchSharp.torch;

namespace TuneSharp.Tasks;

/// <summary>
/// The loop every task's evaluation and prediction run their batches in: the module in eval mode (its mode restored
/// after), no gradients, each batch in its own dispose scope (so only what the body copies to the host outlives it), the
/// native heap swept every so many batches and cancellation checked between batches.
/// </summary>
internal static class InferenceLoop
{
    /// <summary>Runs <paramref name="body"/> on each of <paramref name="batches"/> (feature indices), in order.</summary>
    public static void Run(nn.Module module, IEnumerable<int[]> batches, Action<int[]> body, CancellationToken ct = default)
    {
        var wasTraining = module.training;
        module.eval();
        try
        {
            using var noGrad = no_grad();
            long count = 0;
            foreach (var batch in batches)
            {
                NativeMemory.SweepEvery(++count); // long predictions stay at a flat resident memory (see NativeMemory)
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                body(batch);
            }
        }
        finally
        {
            if (wasTraining) module.train();
        }
    }
}
