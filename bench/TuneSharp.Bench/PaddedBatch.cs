namespace TuneSharp.Bench;

/// <summary>
/// Int64 model inputs for a batch of tokenized texts, right-padded to the batch's longest text, in row-major
/// [Rows, Length] arrays that both libtorch and ONNX Runtime take without conversion.
/// </summary>
internal sealed record PaddedBatch(long[] InputIds, long[] AttentionMask, long[] TokenTypeIds, int Rows, int Length)
{
    /// <param name="ids">token ids of every text (unpadded).</param>
    /// <param name="types">token type ids of every text.</param>
    /// <param name="rows">which texts form the batch, in order.</param>
    /// <param name="padTo">pad to at least this length (e.g. the maximum length, for fixed-shape batches); 0 = the batch's longest.</param>
    public static PaddedBatch Of(IReadOnlyList<int[]> ids, IReadOnlyList<int[]> types, IReadOnlyList<int> rows, long padId, int padTo = 0)
    {
        var length = Math.Max(padTo, rows.Max(r => ids[r].Length));
        var inputIds = new long[rows.Count * length];
        var mask = new long[inputIds.Length];
        var typeIds = new long[inputIds.Length];
        for (var b = 0; b < rows.Count; b++)
        {
            var row = ids[rows[b]];
            var typeRow = types[rows[b]];
            for (var t = 0; t < length; t++)
            {
                var k = b * length + t;
                var real = t < row.Length;
                inputIds[k] = real ? row[t] : padId;
                mask[k] = real ? 1 : 0;
                typeIds[k] = real ? typeRow[t] : 0;
            }
        }
        return new PaddedBatch(inputIds, mask, typeIds, rows.Count, length);
    }

    public (TorchSharp.torch.Tensor InputIds, TorchSharp.torch.Tensor AttentionMask, TorchSharp.torch.Tensor TokenTypeIds) ToTensors()
    {
        long[] shape = [Rows, Length];
        return (TorchSharp.torch.tensor(InputIds, shape), TorchSharp.torch.tensor(AttentionMask, shape), TorchSharp.torch.tensor(TokenTypeIds, shape));
    }
}
