namespace TuneSharp.Tokenization;

/// <summary>How to shorten a sequence (or pair) that exceeds <see cref="EncodeOptions.MaxLength"/>. Names follow Hugging Face.</summary>
public enum TruncationStrategy
{
    /// <summary>Remove tokens one at a time from whichever sequence of the pair is longer.</summary>
    LongestFirst,
    /// <summary>Truncate only the first sequence.</summary>
    OnlyFirst,
    /// <summary>Truncate only the second sequence of a pair (question answering keeps the question whole).</summary>
    OnlySecond,
    /// <summary>Never truncate.</summary>
    DoNotTruncate,
}

/// <summary>How to pad a batch.</summary>
public enum PaddingStrategy
{
    /// <summary>No padding.</summary>
    DoNotPad,
    /// <summary>Pad every item to the longest item of the batch (dynamic padding).</summary>
    Longest,
    /// <summary>Pad every item to <see cref="EncodeOptions.MaxLength"/>.</summary>
    MaxLength,
}

/// <summary>Which side padding goes on. Encoders usually pad right; decoders generating text pad left.</summary>
public enum PaddingSide { Right, Left }

/// <summary>Options for <see cref="TextTokenizer.Encode"/> and <see cref="TextTokenizer.EncodeBatch"/>.</summary>
public sealed record EncodeOptions
{
    /// <summary>Add the model's special tokens ([CLS]/[SEP], &lt;s&gt;...) according to its template.</summary>
    public bool AddSpecialTokens { get; init; } = true;

    /// <summary>Maximum total length including special tokens; null means no limit.</summary>
    public int? MaxLength { get; init; }

    /// <summary>Truncation strategy used when <see cref="MaxLength"/> is set.</summary>
    public TruncationStrategy Truncation { get; init; } = TruncationStrategy.LongestFirst;

    /// <summary>Padding strategy.</summary>
    public PaddingStrategy Padding { get; init; } = PaddingStrategy.DoNotPad;

    /// <summary>Side to pad on.</summary>
    public PaddingSide PaddingSide { get; init; } = PaddingSide.Right;

    /// <summary>Round the padded length up to a multiple of this (e.g. 8), if set.</summary>
    public int? PadToMultipleOf { get; init; }

    /// <summary>Default options: special tokens, no truncation, no padding.</summary>
    public static EncodeOptions Default { get; } = new();
}
