using TuneSharp.Data;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Recipes;

/// <summary>Everything a text-classification fine-tuning run needs: model, data files and columns, training arguments.</summary>
public sealed record TextClassificationRunOptions
{
    /// <summary>Pretrained model folder (config.json, safetensors, tokenizer files).</summary>
    public required string ModelDir { get; init; }
    public required string TrainPath { get; init; }
    /// <summary>Validation file; when null, <see cref="ValidationSplit"/> of the training rows are held out (stratified).</summary>
    public string? ValidationPath { get; init; }
    /// <summary>Optional test file, evaluated once at the end into test_results.json.</summary>
    public string? TestPath { get; init; }
    public string TextColumn { get; init; } = "text";
    public string? TextPairColumn { get; init; }
    public string LabelColumn { get; init; } = "label";
    /// <summary>
    /// Single-label (default: one class name per row), multi-label (class names joined by <see cref="LabelSeparator"/>;
    /// BCE loss, sigmoid scores) or regression (numeric labels, one output, MSE loss). Saved in config.json.
    /// </summary>
    public ProblemType ProblemType { get; init; } = ProblemType.SingleLabelClassification;
    /// <summary>Separator of the class names in a multi-label cell ("sports,politics").</summary>
    public string LabelSeparator { get; init; } = LabelCells.DefaultSeparator;
    public double ValidationSplit { get; init; } = 0.1;
    public BadRowPolicy OnBadRow { get; init; } = BadRowPolicy.Error;
    /// <summary>The format of every data file; null detects each one's from its extension.</summary>
    public DatasetFormat? Format { get; init; }
    /// <summary>Use only the first N training rows (after the validation split), for quick runs.</summary>
    public int? MaxTrainSamples { get; init; }
    /// <summary>Use only the first N validation rows.</summary>
    public int? MaxEvalSamples { get; init; }
    /// <summary>Weights dtype (null: as stored, converted to fp32 for training).</summary>
    public ScalarType? DType { get; init; }
    /// <summary>Which parameters train: full fine-tuning (default), freeze, bitfit or LoRA (then only the adapter is saved).</summary>
    public TuneSharp.Peft.PeftOptions Peft { get; init; } = new();
    public required TrainingArguments Args { get; init; }
    /// <summary>
    /// Refuse to start when the estimated peak memory exceeds the machine's (<see cref="Planning.ResourcePlanner"/>);
    /// the plan is reported either way.
    /// </summary>
    public bool CheckResources { get; init; } = true;
    /// <summary>The machine to plan for; this one when null (tests pass a smaller one).</summary>
    public Planning.MachineResources? Machine { get; init; }
}

/// <summary>What a run produced, and the resource plan it started with.</summary>
public sealed record TextClassificationRunResult(
    TrainResult Train,
    IReadOnlyDictionary<string, double> Validation,
    IReadOnlyDictionary<string, double>? Test,
    string OutputDir,
    Planning.ResourcePlan Plan);
