namespace TuneSharp.Training;

/// <summary>
/// Follows metric_for_best_model across evaluations: the best value and its step, and HF's EarlyStoppingCallback
/// rule (an evaluation improves when it beats the best by more than the threshold; training stops after
/// <c>patience</c> evaluations in a row without improvement).
/// </summary>
public sealed class BestMetricTracker
{
    private readonly TrainingArguments _args;

    public BestMetricTracker(TrainingArguments args) => _args = args;

    public double? BestMetric { get; private set; }
    public int? BestStep { get; private set; }
    /// <summary>Evaluations in a row without improvement.</summary>
    public int PatienceCounter { get; private set; }

    /// <summary>Whether early stopping asks to stop now.</summary>
    public bool ShouldStop => _args.EarlyStoppingEnabled && PatienceCounter >= _args.EarlyStoppingPatience!.Value;

    /// <summary>Continues from a saved run's best value, its step and the early-stopping counter (resuming).</summary>
    public void Restore(double? bestMetric, int? bestStep, int patienceCounter)
    {
        (BestMetric, BestStep, PatienceCounter) = (bestMetric, bestStep, patienceCounter);
    }

    /// <summary>Records an evaluation; returns true when it is the new best.</summary>
    /// <exception cref="TrainingException">The metrics lack metric_for_best_model.</exception>
    public bool Update(int step, IReadOnlyDictionary<string, double> metrics)
    {
        var key = _args.BestMetricKey;
        if (!metrics.TryGetValue(key, out var value))
            throw new TrainingException(
                $"metric_for_best_model \"{_args.MetricForBestModel ?? "loss"}\" is not among the evaluation metrics ({string.Join(", ", metrics.Keys)}).");

        var isBest = BestMetric is null || (_args.IsGreaterBetter ? value > BestMetric : value < BestMetric);
        // Early stopping needs a margin above the threshold; the best checkpoint only needs to be better (HF).
        var improvedEnough = BestMetric is null || (isBest && Math.Abs(value - BestMetric.Value) > _args.EarlyStoppingThreshold);
        PatienceCounter = improvedEnough ? 0 : PatienceCounter + 1;
        if (isBest)
        {
            BestMetric = value;
            BestStep = step;
        }
        return isBest;
    }
}
