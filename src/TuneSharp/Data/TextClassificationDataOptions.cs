namespace TuneSharp.Data;

/// <summary>Which file and columns <see cref="TextClassificationData.Load"/> reads.</summary>
public sealed record TextClassificationDataOptions
{
    /// <summary>The data file (.csv, .tsv, .jsonl, .json or .parquet).</summary>
    public required string Path { get; init; }

    /// <summary>The column with the text. Defaults to "text".</summary>
    public string TextColumn { get; init; } = "text";

    /// <summary>The column with the second text of sentence-pair tasks; null for single texts.</summary>
    public string? TextPairColumn { get; init; }

    /// <summary>The column with the label (a class name or an integer). Defaults to "label".</summary>
    public string LabelColumn { get; init; } = "label";

    /// <summary>The file format; null detects it from the extension.</summary>
    public DatasetFormat? Format { get; init; }

    /// <summary>Whether a bad row (empty text or label, unknown label, invalid UTF-8 ...) is an error or skipped.</summary>
    public BadRowPolicy OnBadRow { get; init; } = BadRowPolicy.Error;

    /// <summary>
    /// A fixed label map, such as the training set's when reading a validation or test file: a label not in it is
    /// a bad row. Null builds the map from the labels in the file (<see cref="LabelMap.Build"/>).
    /// </summary>
    public LabelMap? LabelMap { get; init; }

    /// <summary>How the label cell is read: one class name (default), a list of class names (multi-label) or a number (regression).</summary>
    public LabelFormat LabelFormat { get; init; } = LabelFormat.ClassName;

    /// <summary>Separator of the class names in a <see cref="LabelFormat.ClassList"/> cell. Defaults to ",".</summary>
    public string LabelSeparator { get; init; } = LabelCells.DefaultSeparator;
}
