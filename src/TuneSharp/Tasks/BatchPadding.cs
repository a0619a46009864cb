using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Tasks;

/// <summary>
/// Dynamic padding, the building block every task's collator uses: rows of token ids of different lengths become
/// int64 [B, T] tensors right-padded to the longest row, with the attention mask and token type ids (and, for per-token
/// labels, the labels padded with the ignored index).
/// </summary>
public static class BatchPadding
{
    /// <summary>The tokenizer's padding id, or a clear error naming what to set (<paramref name="purpose"/>: "training", "predicting").</summary>
    /// <exception cref="TuneSharpException">The tokenizer has no padding token.</exception>
    public static long PadIdOf(TextTokenizer tokenizer, string purpose) =>
        tokenizer.SpecialTokens.PadId
        ?? throw new TuneSharpException($"The {tokenizer.Kind} tokenizer has no padding token; set one (e.g. tokenizer.SetPadToken(tokenizer.SpecialTokens.Eos!)) before {purpose}.");

    /// <summary>
    /// int64 [B, T] input ids (padded with <paramref name="padId"/>), attention mask (1 on real tokens) and token type ids
    /// (0 on padding) for the rows <paramref name="inputIds"/> / <paramref name="tokenTypeIds"/>, T being the longest row.
    /// The caller disposes the tensors (dispose scope).
    /// </summary>
    public static (Tensor InputIds, Tensor AttentionMask, Tensor TokenTypeIds) RightPad(
        IReadOnlyList<int[]> inputIds, IReadOnlyList<int[]> tokenTypeIds, long padId)
    {
        if (inputIds.Count == 0) throw new ArgumentException("A batch needs at least one row.", nameof(inputIds));
        var length = inputIds.Max(row => row.Length);
        var ids = new long[inputIds.Count * length];
        var mask = new long[ids.Length];
        var types = new long[ids.Length];
        for (int b = 0; b < inputIds.Count; b++)
        {
            var row = inputIds[b];
            var typeRow = tokenTypeIds[b];
            for (int t = 0; t < length; t++)
            {
                var k = b * length + t;
                var real = t < row.Length;
                ids[k] = real ? row[t] : padId;
                mask[k] = real ? 1 : 0;
                types[k] = real ? typeRow[t] : 0;
            }
        }
        var shape = new long[] { inputIds.Count, length };
        return (tensor(ids, shape, ScalarType.Int64), tensor(mask, shape, ScalarType.Int64), tensor(types, shape, ScalarType.Int64));
    }

    /// <summary>
    /// int64 [B, <paramref name="length"/>] per-token labels, each row padded with <paramref name="ignoreIndex"/> (the
    /// index the loss skips, -100 as in transformers).
    /// </summary>
    public static Tensor PadLabels(IReadOnlyList<long[]> labels, int length, long ignoreIndex = -100)
    {
        var targets = new long[labels.Count * length];
        for (int b = 0; b < labels.Count; b++)
            for (int t = 0; t < length; t++)
                targets[b * length + t] = t < labels[b].Length ? labels[b][t] : ignoreIndex;
        return tensor(targets, new long[] { labels.Count, length }, ScalarType.Int64);
    }
}
