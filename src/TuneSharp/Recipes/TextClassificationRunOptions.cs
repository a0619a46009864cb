using TuneSharp.Data;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Recipes;

/// <summary>
/// A text-classification run: the shared options (<see cref="FineTuningRunOptions"/>: model, data files, method,
/// training arguments) and the columns and labels of the tabular data.
/// </summary>
public sealed record TextClassificationRunOptions : FineTuningRunOptions
{
    /// <summary>Column with the text.</summary>
    public string TextColumn { get; init; } = "text";
    /// <summary>Column with the second text of a pair (premise/hypothesis), or null.</summary>
    public string? TextPairColumn { get; init; }
    /// <summary>Column with the label.</summary>
    public string LabelColumn { get; init; } = "label";
    /// <summary>
    /// Single-label (default: one class name per row), multi-label (class names joined by <see cref="LabelSeparator"/>;
    /// BCE loss, sigmoid scores) or regression (numeric labels, one output, MSE loss). Saved in config.json.
    /// </summary>
    public ProblemType ProblemType { get; init; } = ProblemType.SingleLabelClassification;
    /// <summary>Separator of the class names in a multi-label cell ("sports,politics").</summary>
    public string LabelSeparator { get; init; } = LabelCells.DefaultSeparator;
    /// <summary>
    /// Texts longer than max_length: truncated (default) or cut into windows overlapping by doc_stride, every window
    /// trained with its text's label and a text's prediction combining its windows' logits. Saved in run_settings.json,
    /// so evaluate and predict use the same windows.
    /// </summary>
    public Tasks.TextClassification.LongTextOptions LongText { get; init; } = Tasks.TextClassification.LongTextOptions.Truncate;
}
