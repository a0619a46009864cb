namespace TuneSharp.Training;

/// <summary>
/// Progress notifications from the <see cref="Trainer"/> (the library never prints). The CLI renders a progress bar
/// from these; <see cref="PlainLogCallback"/> writes plain lines. Implementations must be quick: they run on the training thread.
/// </summary>
public interface ITrainerCallback
{
    /// <summary>Training starts; <paramref name="totalSteps"/> optimizer steps are planned.</summary>
    void OnTrainBegin(int totalSteps) { }

    /// <summary>An optimizer step finished: its mean loss, the learning rate it used, speed and estimated time left.</summary>
    void OnStep(int step, double loss, double learningRate, double iterationsPerSecond, TimeSpan eta) { }

    /// <summary>An evaluation finished at <paramref name="step"/>.</summary>
    void OnEvaluate(int step, IReadOnlyDictionary<string, double> metrics) { }

    /// <summary>A human-readable event (a logging entry, a checkpoint saved, early stopping...).</summary>
    void OnLog(string message) { }

    /// <summary>Training ended (normally, by early stopping or by cancellation).</summary>
    void OnTrainEnd(TrainResult result) { }
}

/// <summary>A callback that ignores everything.</summary>
public sealed class NullTrainerCallback : ITrainerCallback
{
    public static NullTrainerCallback Instance { get; } = new();
}
