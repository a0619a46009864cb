using TuneSharp.Architectures.Bert;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tests.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Tasks.SequenceClassification;

/// <summary>New heads are initialised as transformers initialises them: Normal(0, initializer_range), bias 0, seeded by the caller.</summary>
public class HeadInitializationTests(ITestOutputHelper output)
{
    [Fact]
    public void LargeBertHeadHasTheConfiguredStdAndZeroBias()
    {
        // 128 x 256 = 32768 draws: the sample std's standard error is 0.05/sqrt(2·32768) ≈ 0.0002, so ±0.0008 is 4 of them.
        var config = new TuneSharp.Architectures.Bert.BertConfig
        {
            VocabSize = 10, HiddenSize = 256, NumHiddenLayers = 1, NumAttentionHeads = 4, IntermediateSize = 8,
            MaxPositionEmbeddings = 8, InitializerRange = 0.05,
        };
        manual_seed(3);
        using var model = TinyClassifiers.Bert(new() { NumLabels = 128 }, config);
        var weight = model.Classifier.weight!;
        var (std, mean) = (weight.std().item<float>(), weight.mean().item<float>());
        output.WriteLine($"classifier.weight [128, 256]: std {std:F5}, mean {mean:F6}");
        Assert.InRange(std, 0.0492, 0.0508);
        Assert.InRange(mean, -0.0011, 0.0011); // 4 standard errors of the mean: 4·0.05/sqrt(32768)
        Assert.True(model.Classifier.bias!.eq(0).all().item<bool>());
    }

    [Fact]
    public void LargeLlamaScoreHasTheConfiguredStd()
    {
        var config = TinyModels.Llama();
        config.HiddenSize = 256;
        config.NumHiddenLayers = 1;
        config.IntermediateSize = 8;
        config.InitializerRange = 0.02;
        manual_seed(4);
        using var model = TinyClassifiers.Llama(new() { NumLabels = 128 }, config);
        var std = model.Score.weight!.std().item<float>();
        var mean = model.Score.weight!.mean().item<float>();
        output.WriteLine($"score.weight [128, 256]: std {std:F5}, mean {mean:F6}");
        Assert.InRange(std, 0.01968, 0.02032); // ±4 standard errors (0.02/256 each)
        Assert.InRange(mean, -0.00045, 0.00045);
    }

    [Fact]
    public void TheCallersSeedMakesHeadsReproducible()
    {
        Tensor HeadFor(long seed)
        {
            manual_seed(seed);
            using var model = TinyClassifiers.Bert(new() { NumLabels = 3 });
            return model.Classifier.weight!.detach().clone();
        }
        using var a = HeadFor(11);
        using var b = HeadFor(11);
        using var c = HeadFor(12);
        Assert.True(TinyClassifiers.Identical(a, b));
        Assert.False(TinyClassifiers.Identical(a, c));
    }
}
