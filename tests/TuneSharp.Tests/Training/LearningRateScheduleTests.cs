using TuneSharp.Training;

namespace TuneSharp.Tests.Training;

public class LearningRateScheduleTests
{
    private const double Lr = 3e-4;

    /// <summary>The formulas written out independently of the implementation (transformers' lr lambdas).</summary>
    private static double Expected(SchedulerType type, int step, int warmup, int total)
    {
        if (type == SchedulerType.Constant) return Lr;
        if (step < warmup) return Lr * step / warmup;
        return type switch
        {
            SchedulerType.ConstantWithWarmup => Lr,
            SchedulerType.Linear => Lr * Math.Max(0, total - step) / (total - warmup),
            SchedulerType.Cosine => Lr * 0.5 * (1 + Math.Cos(Math.PI * (step - warmup) / (total - warmup))),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
    }

    [Theory]
    [InlineData(SchedulerType.Linear, 10, 0.0, 100, 10)]
    [InlineData(SchedulerType.Linear, 0, 0.1, 95, 10)]   // ceil(9.5)
    [InlineData(SchedulerType.Linear, 0, 0.0, 37, 0)]
    [InlineData(SchedulerType.Cosine, 7, 0.0, 50, 7)]
    [InlineData(SchedulerType.Cosine, 0, 0.25, 40, 10)]
    [InlineData(SchedulerType.Constant, 10, 0.0, 30, 10)]
    [InlineData(SchedulerType.ConstantWithWarmup, 5, 0.0, 30, 5)]
    [InlineData(SchedulerType.ConstantWithWarmup, 0, 0.5, 30, 15)]
    [InlineData(SchedulerType.Linear, 20, 0.5, 60, 20)]  // warmup_steps win over warmup_ratio
    public void EveryStepMatchesTheFormula(SchedulerType type, int warmupSteps, double warmupRatio, int total, int expectedWarmup)
    {
        var args = new TrainingArguments { OutputDir = "x", LearningRate = Lr, LrSchedulerType = type, WarmupSteps = warmupSteps, WarmupRatio = warmupRatio };
        var schedule = LearningRateSchedule.For(args, total);
        Assert.Equal(expectedWarmup, schedule.WarmupSteps);
        for (int step = 0; step <= total; step++)
            Assert.Equal(Expected(type, step, expectedWarmup, total), schedule.At(step), 15);
    }

    [Fact]
    public void WarmupStartsAtZeroAndLinearEndsAtZero()
    {
        var schedule = new LearningRateSchedule(SchedulerType.Linear, Lr, 4, 20);
        Assert.Equal(0, schedule.At(0));
        Assert.Equal(Lr, schedule.At(4), 15);
        Assert.Equal(0, schedule.At(20));
        var cosine = new LearningRateSchedule(SchedulerType.Cosine, Lr, 0, 20);
        Assert.Equal(Lr, cosine.At(0), 15);
        Assert.Equal(Lr / 2, cosine.At(10), 15);
        Assert.Equal(0, cosine.At(20), 15);
    }

    [Fact]
    public void TheTrainerAppliesTheScheduleAtEveryStep()
    {
        using var task = new ToyRegressionTask(examples: 40);
        using var dir = new TempDir();
        var args = new TrainingArguments
        {
            OutputDir = dir.Path, PerDeviceTrainBatchSize = 4, NumTrainEpochs = 2, LoggingSteps = 1, LearningRate = 0.01,
            LrSchedulerType = SchedulerType.Cosine, WarmupRatio = 0.2, SaveStrategy = IntervalStrategy.No,
        };
        var trainer = new Trainer(task, args);
        trainer.Train();
        var logged = trainer.State.LogHistory.Where(e => e.ContainsKey("learning_rate")).ToList();
        Assert.Equal(20, logged.Count);
        for (int i = 0; i < logged.Count; i++)
        {
            Assert.Equal(i + 1, logged[i]["step"]);
            // The rate used by step i+1 is the schedule after i completed steps; warmup = ceil(0.2 * 20) = 4.
            var expected = i < 4 ? 0.01 * i / 4 : 0.01 * 0.5 * (1 + Math.Cos(Math.PI * (i - 4) / 16));
            Assert.Equal(expected, logged[i]["learning_rate"], 15);
        }
    }
}
