namespace TuneSharp.Data;

/// <summary>Tagged sentences with their label map, as loaded by <see cref="TokenClassificationData.Load"/>.</summary>
public sealed class TokenClassificationDataset
{
    /// <summary>
    /// A dataset of <paramref name="examples"/>: each has at least one token and one tag per token, every tag in
    /// <paramref name="labels"/>, and the tags are not IOB1 (convert them with <see cref="TagSchemes.Iob1ToIob2"/> first).
    /// </summary>
    /// <param name="examples">The sentences.</param>
    /// <param name="labels">The tag ↔ id map.</param>
    /// <param name="sourcePath">The file they came from, if any.</param>
    /// <param name="skipped">Bad rows left out when reading.</param>
    /// <param name="convertedFromIob1">Whether the file's tags were IOB1, converted to IOB2 (<see cref="TagSchemes.Iob1ToIob2"/>).</param>
    /// <param name="convertedTagCount">How many tags the IOB1 → IOB2 conversion changed.</param>
    /// <exception cref="ArgumentException">An example breaks one of the rules above, or the tags mix schemes (see <see cref="TagSchemes.Detect"/>).</exception>
    public TokenClassificationDataset(IReadOnlyList<TokenClassificationExample> examples, LabelMap labels, string? sourcePath = null,
        SkippedRows? skipped = null, bool convertedFromIob1 = false, int convertedTagCount = 0)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(labels);
        var tokenCount = 0;
        foreach (var example in examples)
        {
            if (example.Tokens.Count == 0)
                throw new ArgumentException($"Example at line {example.Line} has no tokens.", nameof(examples));
            if (example.Tags.Count != example.Tokens.Count)
                throw new ArgumentException($"Example at line {example.Line} has {example.Tokens.Count} tokens but {example.Tags.Count} tags.", nameof(examples));
            foreach (var tag in example.Tags)
                if (!labels.TryGetId(tag, out _))
                    throw new ArgumentException($"Example at line {example.Line} has tag '{TextExcerpt.Of(tag)}', which is not in the label map ({labels.Describe()}).", nameof(examples));
            tokenCount += example.Tokens.Count;
        }
        var analysis = TagSchemes.Analyze(examples.Select(e => e.Tags));
        if (analysis.Conflict(p => $"line {examples[p.Sentence].Line}, token {p.Token + 1}") is { } conflict)
            throw new ArgumentException($"The tags cannot be read in one scheme: {conflict}", nameof(examples));
        if (analysis.Scheme == TagScheme.Iob1)
            throw new ArgumentException($"The tags are IOB1 (an entity starts with I- at line {examples[analysis.FirstIob1Start!.Value.Sentence].Line}); convert them with TagSchemes.Iob1ToIob2.", nameof(examples));
        ArgumentOutOfRangeException.ThrowIfNegative(convertedTagCount);

        Examples = examples;
        Labels = labels;
        SourcePath = sourcePath;
        Skipped = skipped ?? new SkippedRows();
        TagScheme = analysis.Scheme;
        SourceTagScheme = convertedFromIob1 ? TagScheme.Iob1 : analysis.Scheme;
        ConvertedTagCount = convertedFromIob1 ? convertedTagCount : 0;
        TokenCount = tokenCount;
    }

    /// <summary>The sentences, in file order.</summary>
    public IReadOnlyList<TokenClassificationExample> Examples { get; }

    /// <summary>
    /// The tag ↔ id map (transformers' <c>label_list</c>): the given <see cref="TokenClassificationDataOptions.LabelMap"/>;
    /// else the <see cref="TokenClassificationDataOptions.LabelNames"/> in their order; else the distinct tags sorted by
    /// Unicode code point, as run_ner's <c>get_label_list</c> sorts string labels (B-LOC, B-MISC, ..., I-PER, O).
    /// </summary>
    public LabelMap Labels { get; }

    /// <summary>The file the examples came from, when they came from one.</summary>
    public string? SourcePath { get; }

    /// <summary>Sentences (rows) of the file that were skipped as bad.</summary>
    public SkippedRows Skipped { get; }

    /// <summary>
    /// The scheme of the tags in <see cref="Examples"/> (detected on them, so on what is left after bad rows are skipped):
    /// never <see cref="TagScheme.Iob1"/>, which is converted to IOB2.
    /// </summary>
    public TagScheme TagScheme { get; }

    /// <summary>The scheme the file had: <see cref="TagScheme.Iob1"/> when its tags were converted to IOB2, otherwise <see cref="TagScheme"/>.</summary>
    public TagScheme SourceTagScheme { get; }

    /// <summary>Whether the file's IOB1 tags were converted to IOB2 (something to tell the user).</summary>
    public bool ConvertedFromIob1 => SourceTagScheme == TagScheme.Iob1;

    /// <summary>How many tags the IOB1 → IOB2 conversion changed (I-X → B-X); 0 when nothing was converted.</summary>
    public int ConvertedTagCount { get; }

    /// <summary>The number of sentences.</summary>
    public int Count => Examples.Count;

    /// <summary>The number of tokens in all sentences.</summary>
    public int TokenCount { get; }

    /// <summary>The label ids of <paramref name="example"/>'s tags.</summary>
    public IReadOnlyList<int> TagIds(TokenClassificationExample example)
    {
        ArgumentNullException.ThrowIfNull(example);
        return example.Tags.Select(Labels.Id).ToArray();
    }
}
