using TuneSharp.Data;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Recipes;

/// <summary>
/// What every fine-tuning run needs whatever its task: the model, the data files, how to hold out validation data, the
/// method and the training arguments. Each task's options add its own (columns, labels, windows).
/// </summary>
public abstract record FineTuningRunOptions
{
    /// <summary>Pretrained model folder (config.json, safetensors, tokenizer files).</summary>
    public required string ModelDir { get; init; }

    /// <summary>Training data file.</summary>
    public required string TrainPath { get; init; }

    /// <summary>Validation file; when null, <see cref="ValidationSplit"/> of the training examples are held out.</summary>
    public string? ValidationPath { get; init; }

    /// <summary>Optional test file, evaluated once at the end into test_results.json.</summary>
    public string? TestPath { get; init; }

    /// <summary>Fraction of the training examples held out for validation when there is no validation file.</summary>
    public double ValidationSplit { get; init; } = 0.1;

    /// <summary>What to do with a bad row: stop with an error naming it (default), or skip it and report it.</summary>
    public BadRowPolicy OnBadRow { get; init; } = BadRowPolicy.Error;

    /// <summary>The format of every data file; null detects each one's from its extension.</summary>
    public DatasetFormat? Format { get; init; }

    /// <summary>Use only the first N training examples (after the validation split), for quick runs.</summary>
    public int? MaxTrainSamples { get; init; }

    /// <summary>Use only the first N validation examples.</summary>
    public int? MaxEvalSamples { get; init; }

    /// <summary>Weights dtype (null: as stored, converted to fp32 for training).</summary>
    public ScalarType? DType { get; init; }

    /// <summary>Which parameters train: full fine-tuning (default), freeze, BitFit, LoRA, adapters, prompt tuning (adapter methods save only the adapter).</summary>
    public TuneSharp.Peft.PeftOptions Peft { get; init; } = new();

    /// <summary>Hugging Face TrainingArguments; see <see cref="FineTuningDefaults.Arguments"/> for the recipe's defaults.</summary>
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
/// <param name="Train">The trainer's result (steps, losses, whether it was stopped).</param>
/// <param name="Validation">The final evaluation on the validation set ("eval_" keys).</param>
/// <param name="Test">The evaluation on the test set ("test_" keys), when there was one.</param>
/// <param name="OutputDir">Where the model and results were written.</param>
/// <param name="Plan">The resource plan the run started with.</param>
public sealed record FineTuningRunResult(
    TrainResult Train,
    IReadOnlyDictionary<string, double> Validation,
    IReadOnlyDictionary<string, double>? Test,
    string OutputDir,
    Planning.ResourcePlan Plan);
