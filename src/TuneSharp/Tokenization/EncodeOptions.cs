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

/// <summary>Options for <see cref="TextTokenizer.Encode"/>, <see cref="TextTokenizer.EncodeBatch"/>, <see cref="TextTokenizer.EncodeWords"/>
/// and <see cref="TextTokenizer.EncodeWordsBatch"/>.</summary>
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

    /// <summary>
    /// Return every window of an input that is longer than <see cref="MaxLength"/> instead of only the first one
    /// (transformers' <c>return_overflowing_tokens=True</c>, with a fast tokenizer's semantics): the batch methods
    /// then return, input after input, all windows of each, and <see cref="Encoding.OverflowToSampleMapping"/> says
    /// which input a window came from. Only one sequence is cut into windows: the only one of a single text, the
    /// second of a pair with <see cref="TruncationStrategy.OnlySecond"/> (extractive QA: the question is repeated in every
    /// window), the first with <see cref="TruncationStrategy.OnlyFirst"/>; <see cref="TruncationStrategy.LongestFirst"/>
    /// is refused for pairs, as transformers refuses it. With L = MaxLength minus the special tokens minus the length
    /// of the sequence that is not windowed, window k covers tokens [k·(L − Stride), min(k·(L − Stride) + L, n)) of the
    /// n-token windowed sequence, and the windows stop at the first one that reaches the end (so the last may be
    /// shorter than L). Each window gets its own special tokens, offsets, word ids and sequence ids.
    /// Without MaxLength, or with <see cref="TruncationStrategy.DoNotTruncate"/>, each input gives one encoding.
    /// Transformers' slow tokenizers differ: they return only the first window plus one <c>overflowing_tokens</c>
    /// list, tokens [L − Stride, n) of the windowed sequence without special tokens (windows 1, 2... joined without
    /// their overlaps). <see cref="TextTokenizer.Encode"/> and <see cref="TextTokenizer.EncodeWords"/> return a single
    /// encoding and therefore refuse this option: use the batch methods.
    /// </summary>
    public bool ReturnOverflowingTokens { get; init; }

    /// <summary>Number of tokens of the windowed sequence that consecutive windows share (transformers' <c>stride</c>);
    /// only used with <see cref="ReturnOverflowingTokens"/>. It must be smaller than the room L a window has for the
    /// windowed sequence (see <see cref="ReturnOverflowingTokens"/>).</summary>
    public int Stride { get; init; }

    /// <summary>Default options: special tokens, no truncation, no padding.</summary>
    public static EncodeOptions Default { get; } = new();
}
