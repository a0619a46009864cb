using TuneSharp.Evaluation.SequenceLabeling;

namespace TuneSharp.Tasks.TokenClassification;

/// <summary>How sentences become training features and how predictions are scored.</summary>
public sealed record TokenClassificationTaskOptions
{
    /// <summary>Tokens per window, special tokens included (max_length).</summary>
    public int MaxLength { get; init; } = 128;

    /// <summary>
    /// Tokens that consecutive windows of a sentence longer than <see cref="MaxLength"/> share (transformers' <c>stride</c>);
    /// null: a quarter of the room a window has for the sentence.
    /// </summary>
    public int? Stride { get; init; }

    /// <summary>Label every sub-token of a word, not only the first (run_ner's <c>label_all_tokens</c>).</summary>
    public bool LabelAllTokens { get; init; }

    /// <summary>seqeval's mode: default (conlleval) or strict.</summary>
    public SeqevalMode Mode { get; init; } = SeqevalMode.Default;

    /// <summary>The tag scheme strict mode checks (IOB2 unless the data is BIOES).</summary>
    public TagScheme Scheme { get; init; } = TagScheme.Iob2;

    /// <summary>The stride used for <paramref name="specialTokens"/> special tokens per window.</summary>
    internal int StrideFor(int specialTokens) => Stride ?? Math.Max(0, (MaxLength - specialTokens) / 4);
}
