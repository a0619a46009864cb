namespace TuneSharp.Training;

/// <summary>
/// The learning rate as a pure function of the optimizer step, as transformers' schedulers (LambdaLR) compute it.
/// <see cref="At"/>(s) is the rate used by the optimizer step that follows s completed steps (so a run with warmup
/// starts at 0, as HF's does).
/// </summary>
public sealed class LearningRateSchedule
{
    /// <summary>Creates a schedule; <paramref name="warmupSteps"/> and <paramref name="totalSteps"/> must be non-negative.</summary>
    public LearningRateSchedule(SchedulerType type, double baseLearningRate, int warmupSteps, int totalSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfNegative(totalSteps);
        Type = type;
        BaseLearningRate = baseLearningRate;
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
    }

    public SchedulerType Type { get; }
    public double BaseLearningRate { get; }
    public int WarmupSteps { get; }
    public int TotalSteps { get; }

    /// <summary>The learning rate after <paramref name="step"/> completed optimizer steps.</summary>
    public double At(int step) => BaseLearningRate * Factor(step);

    /// <summary>The multiplier of the base rate (HF's lr_lambda).</summary>
    public double Factor(int step)
    {
        if (Type == SchedulerType.Constant) return 1.0;
        if (step < WarmupSteps) return (double)step / Math.Max(1, WarmupSteps);
        var decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        return Type switch
        {
            SchedulerType.ConstantWithWarmup => 1.0,
            SchedulerType.Linear => Math.Max(0.0, (double)(TotalSteps - step) / decaySteps),
            SchedulerType.Cosine => Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * (double)(step - WarmupSteps) / decaySteps))),
            _ => throw new ArgumentOutOfRangeException(nameof(Type), Type, "Unknown scheduler type."),
        };
    }

    /// <summary>The schedule a run of <paramref name="totalSteps"/> optimizer steps uses under <paramref name="args"/>.</summary>
    public static LearningRateSchedule For(TrainingArguments args, int totalSteps) =>
        new(args.LrSchedulerType, args.LearningRate, args.ResolveWarmupSteps(totalSteps), totalSteps);
}
