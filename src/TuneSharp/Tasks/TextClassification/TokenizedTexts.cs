using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.TextClassification;

/// <summary>
/// Texts tokenized once, without padding (truncated to the maximum length), ready to be padded per batch to the
/// batch's longest sequence (dynamic padding).
/// </summary>
internal sealed class TokenizedTexts
{
    private readonly int[][] _inputIds;
    private readonly int[][] _tokenTypeIds;
    private readonly long _padId;

    public TokenizedTexts(TextTokenizer tokenizer, IReadOnlyList<string> texts, IReadOnlyList<string?>? pairs, int maxLength)
    {
        _padId = BatchPadding.PadIdOf(tokenizer, "training");
        var options = new EncodeOptions { MaxLength = maxLength, Truncation = TruncationStrategy.LongestFirst, Padding = PaddingStrategy.DoNotPad };
        _inputIds = new int[texts.Count][];
        _tokenTypeIds = new int[texts.Count][];
        for (int i = 0; i < texts.Count; i++)
        {
            var encoding = tokenizer.Encode(texts[i], pairs?[i], options);
            _inputIds[i] = encoding.InputIds;
            _tokenTypeIds[i] = encoding.TokenTypeIds;
            if (encoding.NumTruncatedTokens > 0) TruncatedCount++;
        }
        Lengths = _inputIds.Select(ids => ids.Length).ToArray();
    }

    public int Count => _inputIds.Length;

    /// <summary>How many texts were longer than the maximum length and lost tokens to truncation.</summary>
    public int TruncatedCount { get; }

    /// <summary>Token count of each text.</summary>
    public IReadOnlyList<int> Lengths { get; }

    /// <summary>
    /// int64 [B, T] input ids (right-padded with the pad id), attention mask and token type ids for the examples
    /// <paramref name="indices"/>, T being the longest of them. The caller disposes the tensors (dispose scope).
    /// </summary>
    public (Tensor InputIds, Tensor AttentionMask, Tensor TokenTypeIds) Batch(IReadOnlyList<int> indices) =>
        BatchPadding.RightPad(indices.Select(i => _inputIds[i]).ToArray(), indices.Select(i => _tokenTypeIds[i]).ToArray(), _padId);

    /// <summary>Indices 0..Count-1 ordered by decreasing length (less padding when the order does not matter).</summary>
    public int[] ByDecreasingLength() => Enumerable.Range(0, Count).OrderByDescending(i => Lengths[i]).ToArray();
}
