namespace TuneSharp.Training;

/// <summary>The outcome of <see cref="Trainer.Train(CancellationToken)"/>.</summary>
public sealed record TrainResult
{
    /// <summary>Optimizer steps performed.</summary>
    public required int GlobalStep { get; init; }
    /// <summary>Mean training loss over all steps.</summary>
    public required double TrainLoss { get; init; }
    public required double RuntimeSeconds { get; init; }
    /// <summary>train_runtime, train_samples_per_second, train_steps_per_second, train_loss, epoch (train_results.json).</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }
    /// <summary>Final evaluation metrics (eval_results.json); empty without an evaluation set or when cancelled.</summary>
    public IReadOnlyDictionary<string, double> EvalMetrics { get; init; } = new Dictionary<string, double>();
    /// <summary>The checkpoint with the best metric, if checkpoints were evaluated.</summary>
    public string? BestModelCheckpoint { get; init; }
    public double? BestMetric { get; init; }
    /// <summary>Early stopping ended training before the planned steps.</summary>
    public bool StoppedEarly { get; init; }
    /// <summary>The cancellation token stopped training; a checkpoint of the last step was saved instead of the final outputs.</summary>
    public bool Cancelled { get; init; }
}
