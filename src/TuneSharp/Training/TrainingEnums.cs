namespace TuneSharp.Training;

/// <summary>When to evaluate or save (HF <c>IntervalStrategy</c>): never, every N optimizer steps, or at the end of each epoch.</summary>
public enum IntervalStrategy
{
    No,
    Steps,
    Epoch,
}

/// <summary>The learning-rate schedules supported, with HF's <c>lr_scheduler_type</c> names (snake_case in JSON).</summary>
public enum SchedulerType
{
    /// <summary>Linear warmup from 0, then linear decay to 0 at the last step.</summary>
    Linear,
    /// <summary>Linear warmup, then half a cosine wave down to 0.</summary>
    Cosine,
    /// <summary>The same learning rate throughout (warmup ignored, as in HF).</summary>
    Constant,
    /// <summary>Linear warmup, then constant.</summary>
    ConstantWithWarmup,
}
