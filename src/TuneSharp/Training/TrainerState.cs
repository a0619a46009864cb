using System.Text.Json;
using System.Text.Json.Serialization;

namespace TuneSharp.Training;

/// <summary>
/// trainer_state.json, with HF's keys: progress, the best metric and checkpoint, and log_history (one entry per
/// logging step {loss, grad_norm, learning_rate, epoch, step}, one per evaluation {eval_loss, eval_accuracy..., epoch,
/// step}, and a final {train_runtime, ..., train_loss} entry).
/// </summary>
public sealed class TrainerState
{
    /// <summary>The trainer_state.json file name.</summary>
    public const string FileName = "trainer_state.json";

    public double Epoch { get; set; }
    public int GlobalStep { get; set; }
    public int MaxSteps { get; set; }
    public double NumTrainEpochs { get; set; }
    public int LoggingSteps { get; set; }
    public int? EvalSteps { get; set; }
    public int SaveSteps { get; set; }
    public int TrainBatchSize { get; set; }
    public double? BestMetric { get; set; }
    /// <summary>Path of the best checkpoint folder (inside output_dir), or null.</summary>
    public string? BestModelCheckpoint { get; set; }
    /// <summary>Step at which the best metric was measured.</summary>
    public int? BestStep { get; set; }
    /// <summary>Evaluations in a row without improvement (early stopping).</summary>
    public int EarlyStoppingPatienceCounter { get; set; }
    public List<Dictionary<string, double>> LogHistory { get; set; } = new();

    // Running sums that are not in HF's file: kept so a resumed run reports exactly the numbers of an uninterrupted one
    // (HF restarts them at zero, so its first log entry and train_loss after a resume cover only the resumed part).

    /// <summary>Sum of the mean losses of every optimizer step so far (train_loss = this / global_step).</summary>
    public double TrainLossSum { get; set; }
    /// <summary>Sum of the step losses since the last logging entry.</summary>
    public double LossSinceLastLog { get; set; }
    /// <summary>Optimizer steps since the last logging entry.</summary>
    public int StepsSinceLastLog { get; set; }

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static TrainerState FromJson(string json) =>
        JsonSerializer.Deserialize<TrainerState>(json, Options) ?? throw new TrainingException($"{FileName} is empty.");

    public void Save(string dir) => Checkpoints.CheckpointFiles.WriteTextAtomically(Path.Combine(dir, FileName), ToJson());

    public static TrainerState Load(string dir) => FromJson(File.ReadAllText(Path.Combine(dir, FileName)));
}
