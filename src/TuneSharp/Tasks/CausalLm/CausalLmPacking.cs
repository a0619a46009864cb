namespace TuneSharp.Tasks.CausalLm;

/// <summary>The packed sequences and how full they are.</summary>
/// <param name="Sequences">The packed rows, each at most the packing length.</param>
/// <param name="MaxLength">The packing length.</param>
public sealed record PackingResult(IReadOnlyList<PackedSequence> Sequences, int MaxLength)
{
    /// <summary>Tokens in all rows.</summary>
    public long Tokens => Sequences.Sum(s => (long)s.InputIds.Length);

    /// <summary>Tokens / (rows · max length): the share of a padded batch that is real tokens.</summary>
    public double FillRatio => Sequences.Count == 0 ? 0 : Tokens / ((double)Sequences.Count * MaxLength);

    /// <summary>"5,000 examples packed into 1,130 sequences of 512 tokens (97.3% full)".</summary>
    public override string ToString() =>
        $"{Sequences.Sum(s => s.SegmentIds.Length == 0 ? 0 : s.SegmentIds[^1]):N0} examples packed into {Sequences.Count:N0} sequences of {MaxLength:N0} tokens ({FillRatio * 100:F1}% full)";
}

/// <summary>
/// Lays several short examples end to end in rows of at most <c>max_length</c> tokens (<c>--packing</c>), so batches
/// hold little padding; attention and positions stay per example (<see cref="PackedSequence"/>).
/// </summary>
public static class CausalLmPacking
{
    /// <summary>
    /// First-fit decreasing: examples are taken longest first (ties in input order) and each goes into the first row
    /// that still has room for it whole, or a new row. The result depends only on the examples' lengths and order, so
    /// the same input always packs the same way. Within a row examples keep the order they were placed in; they are
    /// numbered 1, 2, ... (<see cref="PackedSequence.SegmentIds"/>), their positions restart at 0, and the first label of
    /// each is <see cref="CausalLmExample.IgnoreIndex"/>: alone, an example's first token has no predecessor and is
    /// never predicted; packed, its predecessor is the previous example's last token, and training that prediction
    /// would teach the model to guess one document's start from another's end.
    /// </summary>
    /// <exception cref="ArgumentException">An example is empty or longer than <paramref name="maxLength"/> (truncate first).</exception>
    public static PackingResult Pack(IReadOnlyList<CausalLmExample> examples, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(examples);
        if (maxLength < 1) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "The packing length must be positive.");
        for (var i = 0; i < examples.Count; i++)
        {
            var length = examples[i].InputIds.Length;
            if (length == 0 || length > maxLength || examples[i].Labels.Length != length)
                throw new ArgumentException($"Example {i} has {length} tokens and {examples[i].Labels.Length} labels; packing needs 1 to {maxLength} tokens " +
                    "with one label each (truncate to max_length first).", nameof(examples));
        }
        var order = Enumerable.Range(0, examples.Count).OrderByDescending(i => examples[i].InputIds.Length).ThenBy(i => i);
        var rows = new List<List<int>>();
        var room = new FirstFitRows(examples.Count, maxLength);
        foreach (var i in order)
        {
            var row = room.Place(examples[i].InputIds.Length);
            if (row == rows.Count) rows.Add([]);
            rows[row].Add(i);
        }
        return new PackingResult(rows.Select(r => Concatenate(examples, r)).ToArray(), maxLength);
    }

    private static PackedSequence Concatenate(IReadOnlyList<CausalLmExample> examples, List<int> members)
    {
        var total = members.Sum(i => examples[i].InputIds.Length);
        int[] ids = new int[total], labels = new int[total], segments = new int[total], positions = new int[total];
        var at = 0;
        for (var s = 0; s < members.Count; s++)
        {
            var example = examples[members[s]];
            example.InputIds.CopyTo(ids, at);
            example.Labels.CopyTo(labels, at);
            labels[at] = CausalLmExample.IgnoreIndex;
            for (var t = 0; t < example.InputIds.Length; t++)
            {
                segments[at + t] = s + 1;
                positions[at + t] = t;
            }
            at += example.InputIds.Length;
        }
        return new PackedSequence(ids, labels, segments, positions);
    }
}
