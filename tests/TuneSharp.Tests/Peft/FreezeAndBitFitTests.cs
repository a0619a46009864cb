using TuneSharp.Peft;
using TuneSharp.Peft.BitFit;
using TuneSharp.Peft.Freeze;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Tests.Training;
using TuneSharp.Training;

namespace TuneSharp.Tests.Peft;

[Collection(TorchRandomCollection.Name)]
public class FreezeAndBitFitTests
{
    [Fact]
    public void FreezingTheFirstLayerAndEmbeddingsLeavesThemUntouchedAndTrainsTheRest()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 1);
        var frozen = Freezing.Apply(model, new FreezeOptions { FreezeEmbeddings = true, FreezeLayers = 1 });

        var all = model.named_parameters().Select(p => p.name).ToList();
        var expectedFrozen = all.Where(n => n.StartsWith("bert.embeddings.") || n.StartsWith("bert.encoder.layer.0.")).ToHashSet();
        Assert.Equal(expectedFrozen.Order(), frozen.Order());
        Assert.Equal(all.Except(expectedFrozen).ToHashSet(), PeftTestSupport.Trainable(model));
        Assert.Contains("bert.encoder.layer.1.attention.self.query.weight", PeftTestSupport.Trainable(model));

        var before = TinyTextClassification.Snapshot(model);
        PeftTestSupport.TrainFewSteps(model, dir.Path);
        var changed = PeftTestSupport.Changed(model, before);
        Assert.Empty(changed.Intersect(expectedFrozen));
        // Layer 1, the pooler and the head all learn.
        Assert.Equal(all.Except(expectedFrozen).ToHashSet(), changed);
    }

    [Fact]
    public void TrainOnlyHeadTrainsExactlyTheClassifier()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 2);
        Freezing.Apply(model, new FreezeOptions { TrainOnlyHead = true });
        Assert.Equal(new HashSet<string> { "classifier.weight", "classifier.bias" }, PeftTestSupport.Trainable(model));
        Assert.Equal(new[] { "classifier.weight", "classifier.bias" }.Order(), OptimizerSetup.TrainableParameters(model).Select(p => p.Name).Order());

        var before = TinyTextClassification.Snapshot(model);
        PeftTestSupport.TrainFewSteps(model, dir.Path);
        Assert.Equal(new HashSet<string> { "classifier.weight", "classifier.bias" }, PeftTestSupport.Changed(model, before));
        Assert.Matches(@"^trainable params: 34 \|\| all params: [\d,]+ \|\| trainable%: [\d.]+$", PeftSummary.Describe(model));
    }

    [Fact]
    public void FreezingMoreLayersThanTheModelHasIsRejected()
    {
        using var model = TinyTextClassification.Model();
        var error = Assert.Throws<PeftException>(() => Freezing.Apply(model, new FreezeOptions { FreezeLayers = 3 }));
        Assert.Contains("has 2 numbered layers", error.Message);
    }

    [Fact]
    public void BitFitTrainsOnlyBiasesAndTheHead()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 3);
        BitFitting.Apply(model);
        var all = model.named_parameters().Select(p => p.name).ToList();
        var expected = all.Where(n => n.EndsWith(".bias") || n.StartsWith("classifier.")).ToHashSet();
        Assert.Contains("classifier.weight", expected);
        Assert.Contains("bert.encoder.layer.0.attention.self.query.bias", expected);
        Assert.Contains("bert.embeddings.LayerNorm.bias", expected);
        Assert.DoesNotContain("bert.embeddings.LayerNorm.weight", expected);
        Assert.Equal(expected, PeftTestSupport.Trainable(model));
        Assert.Equal(expected, OptimizerSetup.TrainableParameters(model).Select(p => p.Name).ToHashSet());

        var before = TinyTextClassification.Snapshot(model);
        PeftTestSupport.TrainFewSteps(model, dir.Path);
        var changed = PeftTestSupport.Changed(model, before);
        Assert.Equal(expected, changed);
        var (trainable, total) = PeftSummary.Count(model);
        Assert.Equal(model.named_parameters().Where(p => expected.Contains(p.name)).Sum(p => p.parameter.numel()), trainable);
        Assert.True(trainable < total / 5, $"{trainable} of {total}");
    }
}
