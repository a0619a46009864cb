using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Training;

/// <summary>Wraps a task so every epoch uses the given batches (lets a test choose micro-batch sizes and lengths).</summary>
internal sealed class FixedBatchesTask(ITrainingTask inner, IReadOnlyList<int[]> batches) : ITrainingTask
{
    public nn.Module Model => inner.Model;
    public int TrainExampleCount => batches.Sum(b => b.Length);
    public int EvalExampleCount => inner.EvalExampleCount;
    public IReadOnlyList<int[]> TrainBatches(int epoch, int batchSize, int seed, bool groupByLength) => batches;
    public BatchLoss ComputeLoss(int[] batch, double labelSmoothing) => inner.ComputeLoss(batch, labelSmoothing);
    public Dictionary<string, double> Evaluate(int batchSize, double labelSmoothing, CancellationToken ct) => inner.Evaluate(batchSize, labelSmoothing, ct);
    public void Save(string dir) => inner.Save(dir);
    public void LoadModelWeights(string dir) => inner.LoadModelWeights(dir);
}
