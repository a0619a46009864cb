namespace TuneSharp.Data;

/// <summary>Labelled texts with their label map, as loaded by <see cref="TextClassificationData.Load"/> or split from such a set.</summary>
public sealed class TextClassificationDataset
{
    /// <summary>A dataset of <paramref name="examples"/>, all of whose labels must be in <paramref name="labels"/>.</summary>
    public TextClassificationDataset(IReadOnlyList<TextClassificationExample> examples, LabelMap labels, string? sourcePath = null, SkippedRows? skipped = null)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(labels);
        foreach (var example in examples)
            if (!labels.TryGetId(example.Label, out _))
                throw new ArgumentException($"Example at line {example.Line} has label '{example.Label}', which is not in the label map ({labels.Describe()}).", nameof(examples));
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

    /// <summary>The class id of <paramref name="example"/>.</summary>
    public int LabelId(TextClassificationExample example) => Labels.Id(example.Label);
}
