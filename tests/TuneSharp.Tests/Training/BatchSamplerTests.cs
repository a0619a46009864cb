using TuneSharp.Training;

namespace TuneSharp.Tests.Training;

public class BatchSamplerTests
{
    [Fact]
    public void EveryExampleOnceAndTheOrderDependsOnlyOnSeedAndEpoch()
    {
        var a = BatchSampler.Batches(103, 8, seed: 5, epoch: 0);
        Assert.Equal(13, a.Count);
        Assert.Equal(7, a[^1].Length);
        Assert.Equal(Enumerable.Range(0, 103), a.SelectMany(b => b).Order());
        Assert.Equal(a, BatchSampler.Batches(103, 8, seed: 5, epoch: 0));
        Assert.NotEqual(a.SelectMany(b => b), BatchSampler.Batches(103, 8, seed: 5, epoch: 1).SelectMany(b => b));
        Assert.NotEqual(a.SelectMany(b => b), BatchSampler.Batches(103, 8, seed: 6, epoch: 0).SelectMany(b => b));
    }

    [Fact]
    public void GroupByLengthSortsEachMegaBatchByDecreasingLength()
    {
        var random = new Random(1);
        var lengths = Enumerable.Range(0, 1000).Select(_ => random.Next(1, 200)).ToArray();
        var batches = BatchSampler.Batches(lengths.Length, 4, seed: 3, epoch: 0, groupByLength: true, lengths);
        var order = batches.SelectMany(b => b).ToArray();
        Assert.Equal(Enumerable.Range(0, 1000), order.Order());
        // Mega-batches of 4 · 50 = 200 examples, each sorted by decreasing length.
        for (int start = 0; start < order.Length; start += 200)
        {
            var mega = order.Skip(start).Take(200).Select(i => lengths[i]).ToArray();
            Assert.Equal(mega.OrderByDescending(l => l), mega);
        }
        // So batches hold similar lengths: far less padding than random batches.
        static long Padding(IEnumerable<int[]> bs, int[] l) => bs.Sum(b => (long)b.Max(i => l[i]) * b.Length - b.Sum(i => l[i]));
        Assert.True(Padding(batches, lengths) * 10 < Padding(BatchSampler.Batches(1000, 4, 3, 0), lengths));
    }
}
