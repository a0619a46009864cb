using TuneSharp.Inference;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Inference;

/// <summary>The sampling filters keep exactly the tokens they should.</summary>
public class TokenSamplerTests
{
    // probabilities 0.5, 0.3, 0.15, 0.05
    private static Tensor Logits() => tensor(new[] { 0.5f, 0.3f, 0.15f, 0.05f }).log();

    private static int[] Counts(GenerationOptions options, int draws = 2000)
    {
        using var sampler = new TokenSampler(options);
        using var logits = Logits();
        var counts = new int[4];
        for (var i = 0; i < draws; i++) counts[sampler.Next(logits)]++;
        return counts;
    }

    [Fact]
    public void GreedyTakesTheArgmax()
    {
        using var sampler = new TokenSampler(new GenerationOptions());
        using var logits = tensor(new[] { 0.1f, 3f, -2f, 2.9f });
        Assert.Equal(1, sampler.Next(logits));
    }

    [Fact]
    public void TopKKeepsOnlyTheKMostLikely()
    {
        var counts = Counts(new GenerationOptions { DoSample = true, TopK = 2, Seed = 1 });
        Assert.Equal(0, counts[2] + counts[3]);
        Assert.InRange(counts[0] / 2000.0, 0.5 / 0.8 - 0.05, 0.5 / 0.8 + 0.05); // renormalised over the two kept
    }

    [Fact]
    public void TopPKeepsTheSmallestSetReachingP()
    {
        // Cumulative 0.5, 0.8, 0.95, 1.0: p = 0.7 needs the first two; p = 0.5 only the first.
        var counts = Counts(new GenerationOptions { DoSample = true, TopP = 0.7, Seed = 2 });
        Assert.Equal(0, counts[2] + counts[3]);
        Assert.True(counts[1] > 0);
        Assert.Equal(2000, Counts(new GenerationOptions { DoSample = true, TopP = 0.5, Seed = 2 })[0]);
    }

    [Fact]
    public void UnfilteredSamplingFollowsTheDistributionAndTemperatureSharpensIt()
    {
        var plain = Counts(new GenerationOptions { DoSample = true, Seed = 3 }, 4000);
        Assert.InRange(plain[0] / 4000.0, 0.46, 0.54);
        Assert.InRange(plain[3] / 4000.0, 0.03, 0.07);
        var cold = Counts(new GenerationOptions { DoSample = true, Seed = 3, Temperature = 0.25 }, 4000);
        Assert.True(cold[0] > plain[0] && cold[3] < plain[3]);
    }

    [Fact]
    public void SameSeedSameDraws()
    {
        Assert.Equal(Counts(new GenerationOptions { DoSample = true, Seed = 42 }, 300), Counts(new GenerationOptions { DoSample = true, Seed = 42 }, 300));
    }
}
