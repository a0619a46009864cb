using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace TuneSharp.Models;

/// <summary>
/// The autograd node behind <see cref="GradientCheckpoint"/>. Arguments of <c>apply</c>, by position: the segment
/// (<c>Func&lt;Tensor, IReadOnlyList&lt;Tensor?&gt;, Tensor&gt;</c>), the input, the trigger leaf, then the constants.
/// TorchSharp keeps one static instance per Function type, so everything per call lives in the context.
/// </summary>
internal sealed class CheckpointedSegment : SingleTensorFunction<CheckpointedSegment>
{
    private const string SegmentKey = "segment";
    private const string RngStateKey = "rng_state";
    private const string InputNeedsGradKey = "input_needs_grad";
    private const string ArgumentCountKey = "argument_count";
    private const string AutocastKey = "autocast_dtype";
    private const int TriggerPosition = 2;
    private const int FirstConstant = 3;

    public override string Name => nameof(CheckpointedSegment);

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var segment = (Func<Tensor, IReadOnlyList<Tensor?>, Tensor>)vars[0];
        var input = (Tensor)vars[1];
        var constants = Constants(vars.Skip(FirstConstant).Select(v => v as Tensor).ToList());
        // Captured before the segment draws anything, so the recomputation replays the same dropout masks.
        ctx.save_data(RngStateKey, CpuRngState.Capture());
        // The recomputation must cast exactly as the forward pass did (bf16 training runs under autocast; backward does not).
        ctx.save_data(AutocastKey, CpuAutocast.ActiveDtype ?? (object)"off");
        ctx.save_data(SegmentKey, segment);
        ctx.save_data(InputNeedsGradKey, input.requires_grad);
        ctx.save_data(ArgumentCountKey, vars.Length);
        // Saved as autograd SavedVariables: libtorch holds the storage (the caller may dispose its handles) and checks on
        // unpacking that nobody modified them in place since.
        ctx.save_for_backward([input, .. constants]);
        // An undefined incoming gradient then reaches backward as an invalid tensor instead of being materialised from
        // TorchSharp's per-node output cache (an empty_like of the output that GradientCheckpoint.Run disposes at once,
        // so the node does not hold a second output-sized buffer).
        ctx.set_materialize_grads(false);

        // apply() runs forward with grad disabled: the segment's activations are freed as soon as it returns.
        using var scope = NewDisposeScope();
        return segment(input, constants).MoveToOuterDisposeScope();
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        try
        {
            return Recompute(ctx, grad_output);
        }
        catch (Exception failure)
        {
            // A .NET exception cannot unwind through libtorch's engine: thrown from here it would abort the process, past
            // every catch of the caller. Instead it is recorded, and a gradient of an impossible shape makes the engine
            // itself fail, which surfaces as a catchable exception from the caller's backward().
            GradientCheckpoint.RecordBackwardFailure(failure);
            return PoisonedGradients(ctx);
        }
    }

    private static List<Tensor> Recompute(AutogradContext ctx, Tensor grad_output)
    {
        var argumentCount = (int)ctx.get_data(ArgumentCountKey);
        var gradients = new List<Tensor>(new Tensor[argumentCount]);
        if (grad_output is null || grad_output.IsInvalid) return gradients; // a zero gradient: nothing to accumulate

        var segment = (Func<Tensor, IReadOnlyList<Tensor?>, Tensor>)ctx.get_data(SegmentKey);
        var forwardRngState = (byte[])ctx.get_data(RngStateKey);
        var inputNeedsGrad = (bool)ctx.get_data(InputNeedsGradKey);

        using var scope = NewDisposeScope();
        var saved = ctx.get_saved_variables();
        var input = saved[0].detach().requires_grad_(inputNeedsGrad);
        var constants = Constants(saved.Skip(1).ToList());

        Tensor output;
        var outerRngState = CpuRngState.Capture();
        try
        {
            CpuRngState.Restore(forwardRngState);
            // The engine runs backward with grad mode off (create_graph = false); the recomputation needs a graph.
            using (enable_grad())
            using (ctx.get_data(AutocastKey) is ScalarType autocastDtype ? CpuAutocast.Enter(autocastDtype) : null)
                output = segment(input, constants);
        }
        finally
        {
            // The outer run continues from where it was, as if the segment had never been recomputed.
            CpuRngState.Restore(outerRngState);
        }

        // Reentrant backward: accumulates into the parameters' .grad like the plain graph would, and into input.grad.
        if (output.requires_grad) output.backward([grad_output]);
        if (inputNeedsGrad) gradients[1] = input.grad?.MoveToOuterDisposeScope()!;
        return gradients;
    }

    /// <summary>
    /// Gradients the engine rejects: a 0-dim gradient for the trigger leaf (shape [0]) cannot be reduced to its shape,
    /// so the engine's output validation throws.
    /// </summary>
    private static List<Tensor> PoisonedGradients(AutogradContext ctx)
    {
        var gradients = new List<Tensor>(new Tensor[(int)ctx.get_data(ArgumentCountKey)]);
        gradients[TriggerPosition] = zeros(Array.Empty<long>());
        return gradients;
    }

    /// <summary>Undefined (null) saved tensors come back as null; TorchSharp may also hand back invalid handles.</summary>
    private static IReadOnlyList<Tensor?> Constants(List<Tensor?> tensors) =>
        tensors.Select(t => t is null || t.IsInvalid ? null : t).ToList();
}

/// <summary>Snapshot / restore of torch's default CPU generator as plain bytes (kept in the autograd context, not as a tensor).</summary>
internal static class CpuRngState
{
    public static byte[] Capture()
    {
        using var state = random.get_rng_state();
        return state.data<byte>().ToArray();
    }

    public static void Restore(byte[] state)
    {
        using var tensor = torch.tensor(state, dtype: ScalarType.Byte);
        random.set_rng_state(tensor);
    }
}
