using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TuneSharp.Training;

/// <summary>
/// Everything that controls a training run, with Hugging Face <c>TrainingArguments</c> names and defaults
/// (saved as snake_case training_args.json). Call <see cref="Validate"/> before any work; the trainer does.
/// </summary>
public sealed record TrainingArguments
{
    /// <summary>The training_args.json file name.</summary>
    public const string FileName = "training_args.json";

    /// <summary>Where the model, checkpoints and result files go.</summary>
    public required string OutputDir { get; init; }
    public double LearningRate { get; init; } = 5e-5;
    public int PerDeviceTrainBatchSize { get; init; } = 8;
    public int PerDeviceEvalBatchSize { get; init; } = 8;
    /// <summary>Epochs to train (fractional allowed, as in HF); ignored when <see cref="MaxSteps"/> &gt; 0.</summary>
    public double NumTrainEpochs { get; init; } = 3;
    /// <summary>Total optimizer steps; overrides <see cref="NumTrainEpochs"/> when positive.</summary>
    public int MaxSteps { get; init; } = -1;
    public double WeightDecay { get; init; }
    public double AdamBeta1 { get; init; } = 0.9;
    public double AdamBeta2 { get; init; } = 0.999;
    public double AdamEpsilon { get; init; } = 1e-8;
    /// <summary>Clip the global gradient norm to this; 0 disables clipping.</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    public SchedulerType LrSchedulerType { get; init; } = SchedulerType.Linear;
    /// <summary>Fraction of the total steps used for warmup (ignored when <see cref="WarmupSteps"/> &gt; 0).</summary>
    public double WarmupRatio { get; init; }
    public int WarmupSteps { get; init; }
    public int GradientAccumulationSteps { get; init; } = 1;
    public double LabelSmoothingFactor { get; init; }
    public int Seed { get; init; } = 42;
    public IntervalStrategy EvalStrategy { get; init; } = IntervalStrategy.No;
    public int? EvalSteps { get; init; }
    public int LoggingSteps { get; init; } = 50;
    public IntervalStrategy SaveStrategy { get; init; } = IntervalStrategy.Steps;
    public int SaveSteps { get; init; } = 500;
    /// <summary>Keep at most this many checkpoint folders (the best one is never deleted); null keeps all.</summary>
    public int? SaveTotalLimit { get; init; }
    public bool LoadBestModelAtEnd { get; init; }
    /// <summary>Metric that decides the best checkpoint and early stopping: "loss" (default), "accuracy", "f1"... ("eval_" is added as HF does).</summary>
    public string? MetricForBestModel { get; init; }
    /// <summary>Null: false for metrics ending in "loss", true otherwise (HF's default).</summary>
    public bool? GreaterIsBetter { get; init; }
    /// <summary>Stop after this many evaluations without improvement; null or 0 disables early stopping.</summary>
    public int? EarlyStoppingPatience { get; init; }
    /// <summary>How much the metric must improve to count as an improvement.</summary>
    public double EarlyStoppingThreshold { get; init; }
    /// <summary>A step whose loss or gradient is NaN/∞ is skipped (weights and optimizer state untouched); this many
    /// skipped steps in a row stop the run with an error, so a diverged run never writes a broken model.</summary>
    public int MaxConsecutiveNonfiniteSteps { get; init; } = 5;
    /// <summary>Batch examples of similar length together (less padding), HF's mega-batch approach.</summary>
    public bool GroupByLength { get; init; }
    /// <summary>Tokenizer truncation length.</summary>
    public int MaxLength { get; init; } = 128;
    /// <summary>
    /// Recompute each transformer layer during the backward pass instead of keeping its activations (transformers'
    /// gradient_checkpointing): far less memory for long inputs (measured: −62% peak RSS at length 512, ×1.34 time per
    /// step) for one extra forward pass of every layer but the last. Results are the same as without it.
    /// </summary>
    public bool GradientCheckpointing { get; init; }
    /// <summary>
    /// Mixed precision as transformers' bf16 = true: the training forward pass runs under libtorch's bf16 autocast
    /// (<see cref="Models.CpuAutocast"/>: matrix products in bf16, losses in fp32) while parameters, gradients, AdamW state
    /// and checkpoints stay fp32. Evaluation stays fp32. Faster only where the CPU's bf16 matrix multiply beats its
    /// fp32 one (AMX); measured on this project's AVX-512-BF16 machine it is slower (bench training-throughput --bf16).
    /// </summary>
    public bool Bf16 { get; init; }
    /// <summary>Replaces the model's hidden dropout when set (the task applies it when building the model).</summary>
    public double? HiddenDropoutProb { get; init; }
    /// <summary>
    /// Continue an interrupted run from a checkpoint folder, or "latest" for the highest checkpoint-N in
    /// <see cref="OutputDir"/>: weights, optimizer state, trainer state, random generator and data position are
    /// restored, so the run continues exactly as if it had not stopped. Null starts from scratch.
    /// </summary>
    public string? ResumeFromCheckpoint { get; init; }
    /// <summary>
    /// Start afresh in an output_dir that holds an earlier run's outputs, deleting them (checkpoints, model, results)
    /// first; without it such a folder is refused (see <see cref="RunOutputFolder"/>). Other files are left alone.
    /// </summary>
    public bool OverwriteOutputDir { get; init; }

    /// <summary>The metrics key of <see cref="MetricForBestModel"/>: "loss" → "eval_loss", "accuracy" → "eval_accuracy".</summary>
    [JsonIgnore]
    public string BestMetricKey
    {
        get
        {
            var name = string.IsNullOrWhiteSpace(MetricForBestModel) ? "loss" : MetricForBestModel!;
            return name.StartsWith("eval_", StringComparison.Ordinal) ? name : "eval_" + name;
        }
    }

    /// <summary>Whether a larger <see cref="BestMetricKey"/> is better.</summary>
    [JsonIgnore]
    public bool IsGreaterBetter => GreaterIsBetter ?? !BestMetricKey.EndsWith("loss", StringComparison.Ordinal);

    /// <summary>Whether early stopping is on.</summary>
    [JsonIgnore]
    public bool EarlyStoppingEnabled => EarlyStoppingPatience is > 0;

    /// <summary>Warmup steps for a run of <paramref name="totalSteps"/>: <see cref="WarmupSteps"/> when positive, else ceil(ratio · total) as HF.</summary>
    public int ResolveWarmupSteps(int totalSteps) =>
        WarmupSteps > 0 ? WarmupSteps : (int)Math.Ceiling(WarmupRatio * totalSteps);

    /// <summary>
    /// Rejects impossible settings before any work. Every problem found is listed in one message, each naming its option.
    /// </summary>
    /// <exception cref="TrainingException">At least one option is invalid.</exception>
    public void Validate()
    {
        var problems = TrainingArgumentsValidator.Problems(this);
        if (problems.Count > 0)
            throw new TrainingException("Invalid training arguments: " + string.Join(" ", problems)) { Setting = problems[0].Split(' ', 2)[0] };
    }

    /// <summary>The checks that need the number of optimizer steps (known once the dataset size is): warmup must fit.</summary>
    /// <exception cref="TrainingException">Warmup is longer than training.</exception>
    public void ValidateForSteps(int totalSteps)
    {
        var warmup = ResolveWarmupSteps(totalSteps);
        if (warmup > totalSteps)
            throw new TrainingException(
                $"Invalid training arguments: warmup_steps ({warmup}) is longer than training ({totalSteps} optimizer steps); " +
                "lower warmup_steps or use warmup_ratio.") { Setting = WarmupSteps > 0 ? "warmup_steps" : "warmup_ratio" };
    }

    /// <summary>JSON options giving HF's snake_case names and enum strings ("constant_with_warmup", "epoch").</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The arguments as training_args.json text.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads arguments written by <see cref="ToJson"/>.</summary>
    public static TrainingArguments FromJson(string json) =>
        JsonSerializer.Deserialize<TrainingArguments>(json, JsonOptions)
        ?? throw new TrainingException($"{FileName} is empty.");

    /// <summary>Writes training_args.json into <paramref name="dir"/>.</summary>
    public void Save(string dir) => Checkpoints.CheckpointFiles.WriteTextAtomically(Path.Combine(dir, FileName), ToJson());

    /// <summary>
    /// The max_length a trained folder's training_args.json records, or null when the folder has no readable one (a
    /// model trained elsewhere): what inference on that folder uses so its inputs look like training's.
    /// </summary>
    public static int? TrainedMaxLength(string dir)
    {
        var path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))?["max_length"] is System.Text.Json.Nodes.JsonValue value
                   && value.TryGetValue<int>(out var length) ? length : null;
        }
        catch (JsonException)
        {
            return null; // unreadable: the caller's defaults apply
        }
    }

    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
