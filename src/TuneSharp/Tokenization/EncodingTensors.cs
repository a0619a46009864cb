using TorchSharp;

namespace TuneSharp.Tokenization;

/// <summary>Turns a padded batch of <see cref="Encoding"/>s into model input tensors.</summary>
public static class EncodingTensors
{
    /// <summary>
    /// Int64 tensors of shape [batch, length]: input ids, attention mask and token type ids. Every encoding must
    /// have the same length (encode with padding). The caller owns (and disposes) the returned tensors.
    /// </summary>
    /// <exception cref="TuneSharpException">The batch is empty or its encodings differ in length.</exception>
    public static (torch.Tensor InputIds, torch.Tensor AttentionMask, torch.Tensor TokenTypeIds) ToTensors(IReadOnlyList<Encoding> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0) throw new TuneSharpException("Cannot make tensors from an empty batch of encodings.");
        int length = batch[0].Length;
        for (int i = 1; i < batch.Count; i++)
            if (batch[i].Length != length)
                throw new TuneSharpException(
                    $"Encodings in a batch must have the same length to become tensors: item 0 has {length} tokens, item {i} has {batch[i].Length}. " +
                    "Encode with Padding = PaddingStrategy.Longest (or MaxLength).");

        long[] Flatten(Func<Encoding, int[]> field)
        {
            var data = new long[batch.Count * length];
            for (int b = 0; b < batch.Count; b++)
            {
                var values = field(batch[b]);
                for (int t = 0; t < length; t++) data[b * length + t] = values[t];
            }
            return data;
        }

        var shape = new long[] { batch.Count, length };
        return (torch.tensor(Flatten(e => e.InputIds), shape, torch.int64),
                torch.tensor(Flatten(e => e.AttentionMask), shape, torch.int64),
                torch.tensor(Flatten(e => e.TokenTypeIds), shape, torch.int64));
    }
}
