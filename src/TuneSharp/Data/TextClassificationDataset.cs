namespace TuneSharp.Data;

/// <summary>Labelled texts with their label map, as loaded by <see cref="TextClassificationData.Load"/> or split from such a set.</summary>
public sealed class TextClassificationDataset
{
    /// <summary>
    /// A dataset of <paramref name="examples"/>, whose label cells are read as <paramref name="labelFormat"/> says: every
    /// class name must be in <paramref name="labels"/>; numbers (regression) must parse, and the map names the output.
    /// </summary>
    public TextClassificationDataset(IReadOnlyList<TextClassificationExample> examples, LabelMap labels, string? sourcePath = null, SkippedRows? skipped = null,
        LabelFormat labelFormat = LabelFormat.ClassName, string labelSeparator = LabelCells.DefaultSeparator)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentException.ThrowIfNullOrEmpty(labelSeparator);
        Format = labelFormat;
        LabelSeparator = labelSeparator;
        foreach (var example in examples)
        {
            if (labelFormat == LabelFormat.Number)
            {
                if (!LabelCells.TryParseNumber(example.Label, out _))
                    throw new ArgumentException($"Example at line {example.Line} has label '{example.Label}', which is not a number.", nameof(examples));
                continue;
            }
            var names = labelFormat == LabelFormat.ClassList ? LabelCells.SplitClassList(example.Label, labelSeparator) ?? [] : [example.Label];
            if (names.Count == 0 || names.Any(n => !labels.TryGetId(n, out _)))
                throw new ArgumentException($"Example at line {example.Line} has label '{example.Label}', which is not in the label map ({labels.Describe()}).", nameof(examples));
        }
        Examples = examples;
        Labels = labels;
        SourcePath = sourcePath;
        Skipped = skipped ?? new SkippedRows();
        HasTextPairs = examples.Any(e => e.TextPair is not null);
    }

    /// <summary>The examples, in file order.</summary>
    public IReadOnlyList<TextClassificationExample> Examples { get; }

    /// <summary>The label ↔ id map; it may have classes that no example here has (a split of a larger set).</summary>
    public LabelMap Labels { get; }

    /// <summary>The file the examples came from, when they came from one.</summary>
    public string? SourcePath { get; }

    /// <summary>Rows of the file that were skipped as bad.</summary>
    public SkippedRows Skipped { get; }

    /// <summary>Whether the examples are sentence pairs.</summary>
    public bool HasTextPairs { get; }

    /// <summary>The number of examples.</summary>
    public int Count => Examples.Count;

    /// <summary>How the label cells are read (class name, list of class names, number).</summary>
    public LabelFormat Format { get; }

    /// <summary>Separator of the class names of a <see cref="LabelFormat.ClassList"/> cell.</summary>
    public string LabelSeparator { get; }

    /// <summary>The class id of <paramref name="example"/> (single-label data).</summary>
    public int LabelId(TextClassificationExample example) => Labels.Id(example.Label);

    /// <summary>The class ids of <paramref name="example"/>: its one class, or every class of its list (multi-label data).</summary>
    public IReadOnlyList<int> LabelIds(TextClassificationExample example) => Format switch
    {
        LabelFormat.ClassList => LabelCells.SplitClassList(example.Label, LabelSeparator)!.Select(Labels.Id).ToList(),
        LabelFormat.Number => throw new InvalidOperationException("Regression examples have a value, not class ids."),
        _ => [Labels.Id(example.Label)],
    };

    /// <summary>The regression target of <paramref name="example"/> (data read as <see cref="LabelFormat.Number"/>).</summary>
    public double Value(TextClassificationExample example) =>
        Format == LabelFormat.Number && LabelCells.TryParseNumber(example.Label, out var value)
            ? value
            : throw new InvalidOperationException($"Example at line {example.Line} has no numeric label (the label format is {Format}).");
}
