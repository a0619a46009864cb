using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Checkpoints;
using TuneSharp.Training;

namespace TuneSharp.Tests.Training;

/// <summary>Evaluation, early stopping, best-checkpoint tracking and reloading, checkpoint rotation, cancellation.</summary>
public class TrainerCheckpointTests
{
    private static TrainingArguments EveryStep(string dir) => new()
    {
        OutputDir = dir, PerDeviceTrainBatchSize = 4, MaxSteps = 20, LearningRate = 0.05, LoggingSteps = 1,
        EvalStrategy = IntervalStrategy.Steps, EvalSteps = 1, SaveStrategy = IntervalStrategy.Steps, SaveSteps = 1,
    };

    private static List<string> Checkpoints(string dir) => CheckpointFolders.List(dir).Select(c => Path.GetFileName(c.Path)).ToList();

    [Fact]
    public void EarlyStoppingStopsAfterPatienceEvaluationsWithoutImprovementAndReloadsTheBest()
    {
        using var dir = new TempDir();
        using var task = new ToyRegressionTask(scriptedEvalLosses: [1.0, 0.5, 0.7, 0.6, 0.4, 0.3]);
        var args = EveryStep(dir.Path) with { EarlyStoppingPatience = 2, LoadBestModelAtEnd = true, SaveTotalLimit = 2 };
        var result = new Trainer(task, args).Train();

        Assert.True(result.StoppedEarly);
        Assert.Equal(4, result.GlobalStep); // best at step 2, no improvement at 3 and 4
        Assert.Equal(0.5, result.BestMetric);
        Assert.Equal(CheckpointFolders.PathFor(dir.Path, 2), result.BestModelCheckpoint);
        Assert.Equal(["checkpoint-2", "checkpoint-4"], Checkpoints(dir.Path)); // 1 and 3 rotated out, the best kept

        // The model in memory and the final output are the best checkpoint's weights, not step 4's.
        var best = ModelWeights.Load(result.BestModelCheckpoint!);
        var step4 = ModelWeights.Load(CheckpointFolders.PathFor(dir.Path, 4));
        var final = ModelWeights.Load(dir.Path);
        foreach (var (name, tensor) in task.Linear.state_dict())
        {
            Assert.True(TinyTextClassification.Identical(tensor, best[name]), name);
            Assert.True(TinyTextClassification.Identical(final[name], best[name]), name);
            Assert.False(TinyTextClassification.Identical(step4[name], best[name]), $"{name}: steps 2 and 4 should differ for this test to mean anything");
        }
        var state = TrainerState.Load(dir.Path);
        Assert.Equal(result.BestModelCheckpoint, state.BestModelCheckpoint);
        Assert.Equal(0.5, state.BestMetric);
    }

    [Fact]
    public void ImprovementsSmallerThanTheThresholdCountTowardsPatience()
    {
        using var dir = new TempDir();
        using var task = new ToyRegressionTask(scriptedEvalLosses: [1.0, 0.9, 0.8, 0.1]);
        var args = EveryStep(dir.Path) with { EarlyStoppingPatience = 2, EarlyStoppingThreshold = 0.15, SaveStrategy = IntervalStrategy.No };
        var result = new Trainer(task, args).Train();
        Assert.True(result.StoppedEarly);
        Assert.Equal(3, result.GlobalStep);
        Assert.Equal(0.8, result.BestMetric); // still the best value, though not a big enough improvement
    }

    [Fact]
    public void GreaterIsBetterMetricsPickTheHighest()
    {
        using var dir = new TempDir();
        using var task = new ToyRegressionTask(scriptedEvalLosses: [0.2, 0.9, 0.4, 0.3, 0.1]);
        var args = EveryStep(dir.Path) with { MetricForBestModel = "loss", GreaterIsBetter = true, EarlyStoppingPatience = 3, MaxSteps = 5 };
        var result = new Trainer(task, args).Train();
        Assert.Equal(0.9, result.BestMetric);
        Assert.Equal(CheckpointFolders.PathFor(dir.Path, 2), result.BestModelCheckpoint);
        Assert.True(result.StoppedEarly);
        Assert.Equal(5, result.GlobalStep);
    }

    [Fact]
    public void SaveTotalLimitKeepsTheNewestCheckpointsAndEachIsComplete()
    {
        using var dir = new TempDir();
        using var task = new ToyRegressionTask(examples: 40);
        var args = new TrainingArguments { OutputDir = dir.Path, PerDeviceTrainBatchSize = 4, MaxSteps = 10, SaveSteps = 3, SaveTotalLimit = 2 };
        new Trainer(task, args).Train();
        Assert.Equal(["checkpoint-9", "checkpoint-10"], Checkpoints(dir.Path)); // HF also saves at the last step
        foreach (var name in new[] { ModelWeights.SingleFileName, OptimizerStateFile.FileName, TrainerState.FileName, TrainingArguments.FileName })
            Assert.True(File.Exists(Path.Combine(dir.Path, "checkpoint-10", name)), name);
        Assert.Empty(Directory.GetDirectories(dir.Path, ".tmp-*"));
        Assert.Equal(10, TrainerState.Load(Path.Combine(dir.Path, "checkpoint-10")).GlobalStep);
        var optimizerState = SafeTensors.Load(Path.Combine(dir.Path, "checkpoint-10", OptimizerStateFile.FileName));
        Assert.Equal(10, optimizerState["step.weight"].item<long>());
        Assert.Equal([1L, 4L], optimizerState["exp_avg.weight"].shape);
    }

    [Fact]
    public void CancellationStopsAfterTheCurrentStepAndSavesACheckpoint()
    {
        using var dir = new TempDir();
        using var task = new ToyRegressionTask(examples: 40);
        using var cts = new CancellationTokenSource();
        var args = new TrainingArguments { OutputDir = dir.Path, PerDeviceTrainBatchSize = 4, MaxSteps = 10, SaveStrategy = IntervalStrategy.No };
        var result = new Trainer(task, args, new CancelAt(3, cts)).Train(cts.Token);
        Assert.True(result.Cancelled);
        Assert.Equal(3, result.GlobalStep);
        Assert.Equal(3, task.SeenBatches.Count);
        Assert.Equal(["checkpoint-3"], Checkpoints(dir.Path));
        Assert.False(File.Exists(Path.Combine(dir.Path, ModelWeights.SingleFileName)));
    }

    private sealed class CancelAt(int step, CancellationTokenSource cts) : ITrainerCallback
    {
        public void OnStep(int s, double loss, double learningRate, double iterationsPerSecond, TimeSpan eta)
        {
            if (s == step) cts.Cancel();
        }
    }
}
