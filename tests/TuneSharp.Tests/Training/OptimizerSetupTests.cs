using TorchSharp.Modules;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Training;

public class OptimizerSetupTests
{
    [Theory]
    [InlineData("bert.encoder.layer.0.attention.output.dense.bias", true)]
    [InlineData("bert.embeddings.LayerNorm.weight", true)]
    [InlineData("model.layers.0.input_layernorm.weight", true)]
    [InlineData("model.norm.weight", true)]
    [InlineData("bert.encoder.layer.0.attention.self.query.weight", false)]
    [InlineData("classifier.weight", false)]
    public void NoDecayByName(string name, bool noDecay) => Assert.Equal(noDecay, OptimizerSetup.IsNoDecay(name));

    [Fact]
    public void BiasesAndLayerNormsAreNotDecayedAndMatricesAre()
    {
        using var model = TinyTextClassification.Model();
        var trainable = OptimizerSetup.TrainableParameters(model);
        var args = new TrainingArguments { OutputDir = "x", WeightDecay = 0.5, LearningRate = 0.1 };
        using var optimizer = OptimizerSetup.CreateAdamW(trainable, args);
        var groups = optimizer.ParamGroups.Cast<AdamW.ParamGroup>().ToList();
        Assert.Equal(2, groups.Count);
        Assert.Equal(0.5, groups[0].Options.weight_decay);
        Assert.Equal(0.0, groups[1].Options.weight_decay);
        var names = trainable.ToDictionary(p => p.Parameter.Handle, p => p.Name);
        Assert.All(groups[0].Parameters, p => Assert.False(OptimizerSetup.IsNoDecay(names[p.Handle])));
        Assert.All(groups[1].Parameters, p => Assert.True(OptimizerSetup.IsNoDecay(names[p.Handle])));
        Assert.Equal(trainable.Count, groups.Sum(g => g.Parameters.Count()));

        // Behaviour, not just bookkeeping: with zero gradients AdamW's only effect is decay, p ← p·(1 − lr·wd).
        var before = TinyTextClassification.Snapshot(model);
        optimizer.zero_grad();
        using (var scope = NewDisposeScope())
            (model.parameters().Select(p => p.sum()).Aggregate((a, b) => a + b) * 0).backward();
        optimizer.step();
        foreach (var (name, parameter) in model.named_parameters())
        {
            var expected = OptimizerSetup.IsNoDecay(name) ? before[name] : before[name] * 0.95f;
            Assert.True(TinyTextClassification.MaxAbsDiff(parameter, expected) <= 1e-7, name);
        }
    }

    [Fact]
    public void FrozenParametersAreLeftOutAndStayBitIdentical()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model();
        foreach (var (name, p) in model.named_parameters())
            if (name.StartsWith("bert.embeddings.", StringComparison.Ordinal) || name.StartsWith("bert.encoder.layer.0.", StringComparison.Ordinal))
                p.requires_grad = false;
        var frozen = model.named_parameters().Where(p => !p.parameter.requires_grad).Select(p => p.name).ToHashSet();
        Assert.NotEmpty(frozen);
        var trainable = OptimizerSetup.TrainableParameters(model);
        Assert.DoesNotContain(trainable, p => frozen.Contains(p.Name));

        var before = TinyTextClassification.Snapshot(model);
        var task = TinyTextClassification.Task(model, dir.Path, TinyTextClassification.Dataset(32, seed: 1));
        new Trainer(task, new TrainingArguments
        {
            OutputDir = Path.Combine(dir.Path, "out"), MaxSteps = 3, PerDeviceTrainBatchSize = 8, LearningRate = 1e-2,
            WeightDecay = 0.1, SaveStrategy = IntervalStrategy.No,
        }).Train();
        foreach (var (name, p) in model.named_parameters())
        {
            if (frozen.Contains(name)) Assert.True(TinyTextClassification.Identical(p, before[name]), $"{name} changed although frozen");
            else if (name.EndsWith("weight", StringComparison.Ordinal)) Assert.False(TinyTextClassification.Identical(p, before[name]), $"{name} was not trained");
        }
    }
}
