using TuneSharp.Tasks.CausalLm;

namespace TuneSharp.Tests.Tasks.CausalLm;

/// <summary>Packing: every example comes back whole from its segment, positions restart, and the same input packs the same way.</summary>
public class CausalLmPackingTests
{
    /// <summary>Examples of the given lengths with distinct ids (example i's tokens are 1000·i + t) and a prompt-style
    /// label pattern (the first half ignored).</summary>
    private static List<CausalLmExample> Examples(params int[] lengths) => lengths.Select((n, i) =>
    {
        var ids = Enumerable.Range(0, n).Select(t => 1000 * (i + 1) + t).ToArray();
        var labels = ids.Select((id, t) => t < n / 2 ? CausalLmExample.IgnoreIndex : id).ToArray();
        return new CausalLmExample(ids, labels);
    }).ToList();

    private static List<CausalLmExample> RandomExamples(int count, int maxLength, int seed)
    {
        var random = new Random(seed);
        return Examples(Enumerable.Range(0, count).Select(_ => random.Next(1, maxLength + 1)).ToArray());
    }

    /// <summary>The examples of a packed row, split by segment id.</summary>
    private static List<(int[] Ids, int[] Labels, int[] Positions)> Unpack(PackedSequence row)
    {
        var parts = new List<(int[], int[], int[])>();
        for (var start = 0; start < row.InputIds.Length;)
        {
            var end = start;
            while (end < row.InputIds.Length && row.SegmentIds[end] == row.SegmentIds[start]) end++;
            parts.Add((row.InputIds[start..end], row.Labels[start..end], row.PositionIds[start..end]));
            start = end;
        }
        return parts;
    }

    [Fact]
    public void Unpacking_by_segment_gives_back_every_example_whole_with_its_first_label_ignored()
    {
        var examples = RandomExamples(300, 64, seed: 1);

        var packed = CausalLmPacking.Pack(examples, 64);

        var seen = new List<int>();
        foreach (var row in packed.Sequences)
        {
            Assert.InRange(row.InputIds.Length, 1, 64);
            Assert.Equal(row.InputIds.Length, row.Labels.Length);
            Assert.Equal(row.InputIds.Length, row.SegmentIds.Length);
            Assert.Equal(row.InputIds.Length, row.PositionIds.Length);
            var parts = Unpack(row);
            Assert.Equal(Enumerable.Range(1, parts.Count), parts.Select((_, s) => row.SegmentIds[parts.Take(s).Sum(p => p.Ids.Length)]));
            foreach (var (ids, labels, positions) in parts)
            {
                var index = ids[0] / 1000 - 1; // an example is never split: its first token is its token 0
                var example = examples[index];
                Assert.Equal(example.InputIds, ids);
                Assert.Equal(CausalLmExample.IgnoreIndex, labels[0]);
                Assert.Equal(example.Labels[1..], labels[1..]);
                Assert.Equal(Enumerable.Range(0, ids.Length), positions);
                seen.Add(index);
            }
        }
        Assert.Equal(Enumerable.Range(0, examples.Count), seen.Order()); // each example exactly once
        Assert.Equal(examples.Sum(e => e.InputIds.Length), packed.Tokens);
        Assert.Equal(packed.Tokens / (packed.Sequences.Count * 64.0), packed.FillRatio, 12);
    }

    [Fact]
    public void The_same_input_packs_the_same_way()
    {
        var first = CausalLmPacking.Pack(RandomExamples(500, 128, seed: 7), 128);
        var second = CausalLmPacking.Pack(RandomExamples(500, 128, seed: 7), 128);

        Assert.Equal(first.Sequences.Count, second.Sequences.Count);
        for (var i = 0; i < first.Sequences.Count; i++)
        {
            Assert.Equal(first.Sequences[i].InputIds, second.Sequences[i].InputIds);
            Assert.Equal(first.Sequences[i].Labels, second.Sequences[i].Labels);
            Assert.Equal(first.Sequences[i].SegmentIds, second.Sequences[i].SegmentIds);
            Assert.Equal(first.Sequences[i].PositionIds, second.Sequences[i].PositionIds);
        }
    }

    [Fact]
    public void First_fit_decreasing_places_longest_first_into_the_first_row_with_room()
    {
        // Sorted: 7 (row 0), 6 (row 1), 5 (row 2), 3 (row 0: 7+3), 3 (row 1: 6+3), 2 (row 2: 5+2)... 1 (row 1: 6+3+1).
        var examples = Examples(3, 7, 2, 5, 6, 3, 1);

        var packed = CausalLmPacking.Pack(examples, 10);

        Assert.Equal([[1, 0], [4, 5, 6], [3, 2]], packed.Sequences.Select(s => Unpack(s).Select(p => p.Ids[0] / 1000 - 1).ToArray()).ToArray());
        Assert.Equal(27 / 30.0, packed.FillRatio, 12);
        Assert.Equal("7 examples packed into 3 sequences of 10 tokens (90.0% full)", packed.ToString());
    }

    [Fact]
    public void Many_examples_pack_densely_and_fast()
    {
        var examples = RandomExamples(100_000, 512, seed: 3);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var packed = CausalLmPacking.Pack(examples, 512);

        Assert.True(packed.FillRatio > 0.95, $"fill ratio {packed.FillRatio}");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"packing took {watch.Elapsed}");
    }

    [Fact]
    public void Examples_longer_than_the_packing_length_or_empty_are_refused()
    {
        Assert.Throws<ArgumentException>(() => CausalLmPacking.Pack(Examples(4, 11), 10));
        Assert.Throws<ArgumentException>(() => CausalLmPacking.Pack([new CausalLmExample([], [])], 10));
        Assert.Empty(CausalLmPacking.Pack([], 10).Sequences);
    }
}
