using TuneSharp.Checkpoints;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Training;

/// <summary>
/// A fast task for trainer tests: a linear model fitting y = X·w on fixed random data (sum of squared errors).
/// Evaluation can be scripted (a queue of eval_loss values) to drive early stopping and best-checkpoint logic.
/// </summary>
internal sealed class ToyRegressionTask : ITrainingTask, IDisposable
{
    private readonly Tensor _x, _y;
    private readonly Queue<double>? _scriptedEvalLosses;
    private double _lastScripted;

    public ToyRegressionTask(int examples = 24, int evalExamples = 8, int seed = 0, IEnumerable<double>? scriptedEvalLosses = null)
    {
        manual_seed(seed);
        Linear = nn.Linear(4, 1);
        var w = tensor(new float[] { 1f, -2f, 0.5f, 3f }).reshape(4, 1);
        _x = randn(examples + evalExamples, 4);
        _y = _x.matmul(w).squeeze(1);
        (TrainExampleCount, EvalExampleCount) = (examples, evalExamples);
        _scriptedEvalLosses = scriptedEvalLosses is null ? null : new Queue<double>(scriptedEvalLosses);
    }

    public TorchSharp.Modules.Linear Linear { get; }
    public nn.Module Model => Linear;
    public int TrainExampleCount { get; }
    public int EvalExampleCount { get; }
    public List<int[]> SeenBatches { get; } = new();

    public IReadOnlyList<int[]> TrainBatches(int epoch, int batchSize, int seed, bool groupByLength) =>
        BatchSampler.Batches(TrainExampleCount, batchSize, seed, epoch);

    public BatchLoss ComputeLoss(int[] batch, double labelSmoothing)
    {
        SeenBatches.Add(batch);
        var index = tensor(batch.Select(i => (long)i).ToArray());
        var prediction = Linear.call(_x.index_select(0, index)).squeeze(1);
        return new BatchLoss((prediction - _y.index_select(0, index)).pow(2).sum(), batch.Length);
    }

    public Dictionary<string, double> Evaluate(int batchSize, double labelSmoothing, CancellationToken ct)
    {
        if (_scriptedEvalLosses is not null)
        {
            if (_scriptedEvalLosses.Count > 0) _lastScripted = _scriptedEvalLosses.Dequeue();
            return new() { ["eval_loss"] = _lastScripted };
        }
        using var scope = NewDisposeScope();
        var index = arange(TrainExampleCount, TrainExampleCount + EvalExampleCount, ScalarType.Int64);
        var mse = (Linear.call(_x.index_select(0, index)).squeeze(1) - _y.index_select(0, index)).pow(2).mean().item<float>();
        return new() { ["eval_loss"] = mse };
    }

    public void Save(string dir)
    {
        Directory.CreateDirectory(dir);
        ModelWeights.Save(dir, Linear.state_dict());
    }

    public void LoadModelWeights(string dir) => ModuleWeights.LoadInto(Linear, dir);

    public void Dispose()
    {
        Linear.Dispose();
        _x.Dispose();
        _y.Dispose();
    }
}
