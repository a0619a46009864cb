using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.TextClassification;

/// <summary>
/// Texts tokenized once, without padding, ready to be padded per batch to the batch's longest sequence (dynamic
/// padding). A text longer than the maximum length is truncated, or with <see cref="LongTextStrategy.Windows"/> cut into
/// windows overlapping by doc_stride tokens; the units batches are made of are the windows (one per text when
/// truncating), and <see cref="TextOf"/> says whose each is.
/// </summary>
internal sealed class TokenizedTexts
{
    private readonly int[][] _inputIds;
    private readonly int[][] _tokenTypeIds;
    private readonly int[] _textOf;
    private readonly long _padId;

    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="texts">The texts.</param>
    /// <param name="pairs">The second text of each pair, or null.</param>
    /// <param name="maxLength">Tokens per window (truncation length).</param>
    /// <param name="longText">Truncation (null or default) or windows; with a pair the first text is windowed.</param>
    /// <param name="describe">Names text i for an error (file and line); null: its index.</param>
    /// <exception cref="TuneSharpException">A text pair leaves no room for its first text's windows (the message names the text).</exception>
    public TokenizedTexts(TextTokenizer tokenizer, IReadOnlyList<string> texts, IReadOnlyList<string?>? pairs, int maxLength,
        LongTextOptions? longText = null, Func<int, string>? describe = null)
    {
        _padId = BatchPadding.PadIdOf(tokenizer, "training");
        longText ??= LongTextOptions.Truncate;
        var windows = longText.UsesWindows;
        var options = new EncodeOptions
        {
            MaxLength = maxLength, Padding = PaddingStrategy.DoNotPad,
            Truncation = windows ? TruncationStrategy.OnlyFirst : TruncationStrategy.LongestFirst,
            ReturnOverflowingTokens = windows, Stride = windows ? longText.StrideFor(maxLength) : 0,
        };
        var inputIds = new List<int[]>(texts.Count);
        var tokenTypeIds = new List<int[]>(texts.Count);
        var textOf = new List<int>(texts.Count);
        for (int i = 0; i < texts.Count; i++)
        {
            IReadOnlyList<Encoding> encodings;
            if (!windows) encodings = [tokenizer.Encode(texts[i], pairs?[i], options)];
            else
            {
                try
                {
                    encodings = tokenizer.EncodeBatch([texts[i]], pairs?[i] is { } pair ? [pair] : null, options);
                }
                catch (TuneSharpException e)
                {
                    throw new TuneSharpException($"{describe?.Invoke(i) ?? $"text {i}"}: {e.Message}") { Setting = "max_length" };
                }
            }
            if (encodings.Count > 1) WindowedCount++;
            else if (encodings[0].NumTruncatedTokens > 0) TruncatedCount++;
            foreach (var encoding in encodings)
            {
                inputIds.Add(encoding.InputIds);
                tokenTypeIds.Add(encoding.TokenTypeIds);
                textOf.Add(i);
            }
        }
        _inputIds = inputIds.ToArray();
        _tokenTypeIds = tokenTypeIds.ToArray();
        _textOf = textOf.ToArray();
        TextCount = texts.Count;
        Lengths = _inputIds.Select(ids => ids.Length).ToArray();
    }

    /// <summary>Windows (the units of a batch): one per text when truncating.</summary>
    public int Count => _inputIds.Length;

    /// <summary>Texts tokenized.</summary>
    public int TextCount { get; }

    /// <summary>Whether some text has more than one window.</summary>
    public bool HasWindows => Count > TextCount;

    /// <summary>The text window <paramref name="window"/> belongs to.</summary>
    public int TextOf(int window) => _textOf[window];

    /// <summary>How many texts were longer than the maximum length and lost tokens to truncation.</summary>
    public int TruncatedCount { get; }

    /// <summary>How many texts were longer than the maximum length and cut into several windows.</summary>
    public int WindowedCount { get; }

    /// <summary>Token count of each window.</summary>
    public IReadOnlyList<int> Lengths { get; }

    /// <summary>
    /// int64 [B, T] input ids (right-padded with the pad id), attention mask and token type ids for the windows
    /// <paramref name="indices"/>, T being the longest of them. The caller disposes the tensors (dispose scope).
    /// </summary>
    public (Tensor InputIds, Tensor AttentionMask, Tensor TokenTypeIds) Batch(IReadOnlyList<int> indices) =>
        BatchPadding.RightPad(indices.Select(i => _inputIds[i]).ToArray(), indices.Select(i => _tokenTypeIds[i]).ToArray(), _padId);

    /// <summary>Window indices 0..Count-1 ordered by decreasing length (less padding when the order does not matter).</summary>
    public int[] ByDecreasingLength() => Enumerable.Range(0, Count).OrderByDescending(i => Lengths[i]).ToArray();
}
