namespace TuneSharp.Training;

/// <summary>
/// Splits example indices into batches for one epoch: a seeded shuffle, optionally grouped by length the way
/// transformers' LengthGroupedSampler does (shuffle, cut into mega-batches of 50 batches, sort each mega-batch by
/// decreasing length) so each batch holds examples of similar length and needs little padding.
/// </summary>
public static class BatchSampler
{
    /// <summary>Batches per mega-batch when grouping by length (HF's value).</summary>
    public const int MegaBatchMultiplier = 50;

    /// <summary>The random generator of an epoch: depends only on the seed and the epoch.</summary>
    public static Random EpochRandom(int seed, int epoch) => new(unchecked(seed * 1_000_003 + epoch));

    /// <summary>
    /// Batches of indices 0..count-1 for <paramref name="epoch"/>; the last batch may be smaller.
    /// <paramref name="lengths"/> is needed only when <paramref name="groupByLength"/> is set.
    /// </summary>
    public static IReadOnlyList<int[]> Batches(int count, int batchSize, int seed, int epoch, bool groupByLength = false, IReadOnlyList<int>? lengths = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var order = Enumerable.Range(0, count).ToArray();
        EpochRandom(seed, epoch).Shuffle(order);

        if (groupByLength)
        {
            if (lengths is null || lengths.Count != count)
                throw new ArgumentException($"Grouping by length needs one length per example ({count}), got {lengths?.Count.ToString() ?? "none"}.", nameof(lengths));
            var megaBatch = (int)Math.Min((long)batchSize * MegaBatchMultiplier, int.MaxValue); // a huge batch size must not wrap around
            for (int start = 0; start < count; start += megaBatch)
            {
                var size = Math.Min(megaBatch, count - start);
                // Stable sort on a copy keeps ties in shuffled order, so the result depends only on the seed.
                var sorted = order.Skip(start).Take(size).OrderByDescending(i => lengths[i]).ToArray();
                sorted.CopyTo(order, start);
            }
        }
        return order.Chunk(batchSize).ToList();
    }
}
