namespace TuneSharp.Recipes;

/// <summary>
/// A token-classification (named-entity recognition) run: the shared options (<see cref="FineTuningRunOptions"/>) and
/// how the tagged sentences are read (CoNLL columns, or JSON Lines / JSON / Parquet list columns), labelled and windowed.
/// </summary>
public sealed record TokenClassificationRunOptions : FineTuningRunOptions
{
    /// <summary>List column with the words of each sentence (JSON Lines, JSON, Parquet).</summary>
    public string TokensColumn { get; init; } = "tokens";

    /// <summary>List column with the tag of each word: strings, or integers naming <see cref="LabelNames"/>.</summary>
    public string TagsColumn { get; init; } = "ner_tags";

    /// <summary>The whitespace-separated column of a CoNLL line that holds the tag (0 is the token; negative counts from the right; default the last).</summary>
    public int ConllLabelColumn { get; init; } = -1;

    /// <summary>Label names, in id order, for integer tags (and the label order for string tags); null: the tags found, sorted.</summary>
    public IReadOnlyList<string>? LabelNames { get; init; }

    /// <summary>Label every sub-token of a word, not only the first (run_ner's label_all_tokens).</summary>
    public bool LabelAllTokens { get; init; }

    /// <summary>Tokens consecutive windows of a sentence longer than max_length share; null: a quarter of the window.</summary>
    public int? Stride { get; init; }

    /// <summary>Score entities in seqeval's strict mode (IOB2, or IOBES for BIOES data) instead of its default (conlleval) mode.</summary>
    public bool StrictMetrics { get; init; }
}
