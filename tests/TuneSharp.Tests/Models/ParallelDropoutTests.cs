using TuneSharp.Models;
using TuneSharp.Tests.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Models;

/// <summary>
/// <see cref="DropoutMask"/> / <see cref="ParallelDropout"/> must be dropout as nn.Dropout defines it (drop rate p,
/// survivors scaled by 1/(1-p), identity in eval, gradient = mask), reproducible from torch's seed and independent of
/// the thread count; and <see cref="Attention.ScaledDotProduct"/> with dropout must be the same attention.
/// </summary>
[Collection(TorchRandomCollection.Name)]
public class ParallelDropoutTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void MaskDropsAFractionPAndScalesSurvivorsByOneOverOneMinusP(double p)
    {
        manual_seed(11);
        const long n = 1 << 21;
        using var mask = DropoutMask.Create([n], p);
        var keep = (float)(1.0 / (1.0 - p));
        var values = mask.data<float>().ToArray();
        Assert.All(values.Distinct(), v => Assert.True(v == 0f || v == keep, $"unexpected mask value {v}"));
        var dropped = values.Count(v => v == 0f) / (double)n;
        // 6 standard deviations of a binomial proportion: a wrong threshold or scale fails, chance does not.
        Assert.InRange(dropped, p - 6 * Math.Sqrt(p * (1 - p) / n), p + 6 * Math.Sqrt(p * (1 - p) / n));
    }

    [Fact]
    public void DrawsAreUncorrelatedBetweenNeighboursAndHalvesOfOneDraw()
    {
        manual_seed(12);
        const long n = 1 << 21;
        using var mask = DropoutMask.Create([n], 0.5);
        using var kept = mask.ne(0).to_type(ScalarType.Float32);
        // Element pairs (2i, 2i+1) share one 64-bit draw; (2i+1, 2i+2) come from consecutive counters.
        foreach (var offset in new[] { 0L, 1L })
        {
            using var a = kept.narrow(0, offset, n - 2).reshape(-1, 2)[.., 0];
            using var b = kept.narrow(0, offset + 1, n - 2).reshape(-1, 2)[.., 0];
            using var agreement = a.eq(b).to_type(ScalarType.Float32).mean();
            // Independent fair coins agree half the time; 6 sd of n/2 samples is 0.003.
            Assert.InRange(agreement.item<float>(), 0.5 - 0.003, 0.5 + 0.003);
        }
    }

    [Fact]
    public void SameSeedGivesTheSameMaskWhateverTheThreadCount()
    {
        var threads = get_num_threads();
        try
        {
            manual_seed(5);
            set_num_threads(1);
            using var one = DropoutMask.Create([3, 70_001], 0.2); // odd size: chunk borders and the scalar tail
            manual_seed(5);
            set_num_threads(Math.Max(2, Environment.ProcessorCount));
            using var many = DropoutMask.Create([3, 70_001], 0.2);
            using var next = DropoutMask.Create([3, 70_001], 0.2);
            Assert.True(GoldenFiles.Identical(one, many), "masks must depend only on torch's random state");
            Assert.False(GoldenFiles.Identical(many, next), "consecutive masks must differ");
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    [Fact]
    public void TrainingMultipliesByTheMaskAndTheGradientIsTheMask()
    {
        using var x = randn(4, 33, 17).requires_grad_(true);
        manual_seed(3);
        using var y = ParallelDropout.Apply(x, 0.3, training: true);
        manual_seed(3);
        using var mask = DropoutMask.Create(x.shape, 0.3);
        Assert.True(GoldenFiles.Identical(y.detach(), x.detach() * mask));
        y.sum().backward();
        Assert.True(GoldenFiles.Identical(x.grad!, mask));
    }

    [Fact]
    public void EvalAndZeroProbabilityAreTheIdentityAndOneDropsEverything()
    {
        using var x = randn(5, 9);
        using var dropout = new ParallelDropout(0.4);
        dropout.eval();
        Assert.True(GoldenFiles.Identical(dropout.call(x), x));
        Assert.True(GoldenFiles.Identical(ParallelDropout.Apply(x, 0.0, training: true), x));
        Assert.Equal(0, ParallelDropout.Apply(x, 1.0, training: true).count_nonzero().item<long>());
        dropout.train();
        Assert.False(GoldenFiles.Identical(dropout.call(x), x));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ParallelDropout(1.5));
    }

    [Fact]
    public void Bf16InputGetsABf16Mask()
    {
        using var x = ones(64, 64, dtype: ScalarType.BFloat16);
        using var y = ParallelDropout.Apply(x, 0.25, training: true);
        Assert.Equal(ScalarType.BFloat16, y.dtype);
        using var kept = y.ne(0).to_type(ScalarType.Float32).mean();
        Assert.InRange(kept.item<float>(), 0.7, 0.8);
    }

    [Fact]
    public void AttentionWithDropoutIsSoftmaxTimesTheMaskTimesValues()
    {
        using var q = randn(2, 3, 5, 8);
        using var k = randn(2, 3, 7, 8);
        using var v = randn(2, 3, 7, 8);
        using var padding = AttentionMasks.Padding(tensor(new long[,] { { 1, 1, 1, 1, 1, 0, 0 }, { 1, 1, 1, 1, 1, 1, 1 } }), ScalarType.Float32);

        manual_seed(9);
        using var withDropout = Attention.ScaledDotProduct(q, k, v, padding, dropout: 0.25);
        manual_seed(9);
        using var mask = DropoutMask.Create([2, 3, 5, 7], 0.25);
        using var probabilities = (matmul(q, k.transpose(-2, -1)) / Math.Sqrt(8) + padding).softmax(-1);
        using var expected = matmul(probabilities * mask, v);
        Assert.True(withDropout.allclose(expected, rtol: 1e-5, atol: 1e-6), $"max diff {(withDropout - expected).abs().max().item<float>()}");

        // Without dropout it is libtorch's fused kernel, which must agree with the written-out softmax.
        using var fused = Attention.ScaledDotProduct(q, k, v, padding);
        using var plain = matmul(probabilities, v);
        Assert.True(fused.allclose(plain, rtol: 1e-5, atol: 1e-6));
    }
}
