using TuneSharp.Peft;
using TuneSharp.Peft.Lora;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tests.Tasks.SequenceClassification;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Tests.Training;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Peft;

[Collection(TorchRandomCollection.Name)]
public class LoraTests
{
    private static readonly string[] QueryValuePaths = Enumerable.Range(0, 2)
        .SelectMany(i => new[] { $"bert.encoder.layer.{i}.attention.self.query", $"bert.encoder.layer.{i}.attention.self.value" }).ToArray();

    [Fact]
    public void AFreshAdapterGivesExactlyTheBaseOutputs()
    {
        using var model = TinyTextClassification.Model(initSeed: 4);
        var baseLogits = PeftTestSupport.Logits(model);
        var lora = LoraModel.Apply(model, new LoraOptions());

        Assert.Equal(QueryValuePaths, lora.Layers.Select(l => l.Path));
        Assert.True(TinyTextClassification.Identical(baseLogits, PeftTestSupport.Logits(model)));
        var layer = lora.Layers[0];
        Assert.Equal(new long[] { 8, 16 }, layer.LoraA.weight!.shape);
        Assert.Equal(new long[] { 16, 8 }, layer.LoraB.weight!.shape);
        Assert.Equal(0.0, layer.LoraB.weight!.abs().max().item<float>());
        // kaiming_uniform(a=√5) on [r, in]: bound = 1/√in.
        Assert.True(layer.LoraA.weight!.abs().max().item<float>() <= 1 / Math.Sqrt(16));
        Assert.True(layer.LoraA.weight!.abs().max().item<float>() > 0.5 / Math.Sqrt(16));
        Assert.Equal(2.0, layer.Scale); // 16 / 8
    }

    [Fact]
    public void AFreshAdapterOnLlamaGivesExactlyTheBaseOutputs()
    {
        using var model = TinyClassifiers.Llama(new SequenceClassificationOptions { NumLabels = 3 });
        var ids = TinyClassifiers.Long(new long[,] { { 1, 5, 9, 12 }, { 1, 7, 3, 0 } });
        var mask = TinyClassifiers.Long(new long[,] { { 1, 1, 1, 1 }, { 1, 1, 1, 0 } });
        Tensor Run() { using var g = no_grad(); return model.Forward(ids, mask, null); }
        var baseLogits = Run();
        var lora = LoraModel.Apply(model, new LoraOptions());
        Assert.NotEmpty(lora.Layers);
        Assert.All(lora.Layers, l => Assert.Matches(@"^model\.layers\.\d+\.self_attn\.(q_proj|v_proj)$", l.Path));
        Assert.Equal(["score"], lora.ModulesToSave);
        Assert.True(TinyTextClassification.Identical(baseLogits, Run()));
        Assert.Equal(PeftTestSupport.Trainable(model), model.named_parameters().Select(p => p.name)
            .Where(n => n.StartsWith("score.") || n.Contains(".lora_")).ToHashSet());
    }

    [Fact]
    public void TrainingMovesOnlyTheAdaptersAndTheHead()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 5);
        var lora = LoraModel.Apply(model, new LoraOptions());
        var all = model.named_parameters().Select(p => p.name).ToList();
        var expected = all.Where(n => n.Contains(".lora_A.") || n.Contains(".lora_B.") || n.StartsWith("classifier.")).ToHashSet();
        Assert.Equal(2 * QueryValuePaths.Length + 2, expected.Count);
        Assert.Equal(expected, PeftTestSupport.Trainable(model));
        // What the trainer hands AdamW: exactly the adapter matrices and the head.
        using var optimizer = OptimizerSetup.CreateAdamW(OptimizerSetup.TrainableParameters(model), new TrainingArguments { OutputDir = dir.Path });
        var handles = model.named_parameters().ToDictionary(p => p.parameter.Handle, p => p.name);
        var inOptimizer = optimizer.ParamGroups.Cast<TorchSharp.Modules.AdamW.ParamGroup>().SelectMany(g => g.Parameters).Select(p => handles[p.Handle]).ToList();
        Assert.Equal(expected.Count, inOptimizer.Count);
        Assert.Equal(expected, inOptimizer.ToHashSet());

        var before = TinyTextClassification.Snapshot(model);
        var result = PeftTestSupport.TrainFewSteps(model, dir.Path);
        Assert.Equal(6, result.GlobalStep);
        Assert.Equal(expected, PeftTestSupport.Changed(model, before)); // every frozen tensor bit-identical, every trained one moved
        Assert.Equal(expected, PeftTestSupport.Trainable(model));
        var (trainable, total) = PeftSummary.Count(model);
        Assert.Equal(QueryValuePaths.Length * (8 * 16 + 16 * 8) + 2 * 16 + 2, trainable);
        Assert.Contains($"trainable params: {trainable:N0} || all params: {total:N0}", PeftSummary.Describe(model));
    }

    [Fact]
    public void MergedOutputsMatchAndUnmergeRestoresTheBaseWeights()
    {
        using var model = TinyTextClassification.Model(initSeed: 6);
        var lora = LoraModel.Apply(model, new LoraOptions { R = 4, Alpha = 8 });
        using (no_grad())
            foreach (var layer in lora.Layers) layer.LoraB.weight!.normal_(0, 0.5); // a non-trivial update
        var baseWeights = lora.Layers.Select(l => model.get_parameter(l.Path + ".weight")!.detach().clone()).ToList();
        var unmerged = PeftTestSupport.Logits(model);

        lora.Merge();
        Assert.True(lora.IsMerged);
        var merged = PeftTestSupport.Logits(model);
        var mergedWeight = model.get_parameter(lora.Layers[0].Path + ".weight")!;
        Assert.True(TinyTextClassification.MaxAbsDiff(mergedWeight, baseWeights[0]) > 1e-2); // the update is really in W now
        Assert.True(TinyTextClassification.MaxAbsDiff(merged, unmerged) <= 1e-5, $"merged vs unmerged {TinyTextClassification.MaxAbsDiff(merged, unmerged)}");
        lora.Merge(); // idempotent: no double counting
        Assert.True(TinyTextClassification.MaxAbsDiff(PeftTestSupport.Logits(model), unmerged) <= 1e-5);

        lora.Unmerge();
        Assert.False(lora.IsMerged);
        for (int i = 0; i < lora.Layers.Count; i++)
        {
            var diff = TinyTextClassification.MaxAbsDiff(model.get_parameter(lora.Layers[i].Path + ".weight")!, baseWeights[i]);
            Assert.True(diff <= 1e-6, $"{lora.Layers[i].Path}: {diff}");
        }
        Assert.True(TinyTextClassification.MaxAbsDiff(PeftTestSupport.Logits(model), unmerged) <= 1e-5);
    }

    [Fact]
    public void AMergedExportLoadsAsAPlainClassifierWithTheSameOutputs()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 12);
        var lora = LoraModel.Apply(model, new LoraOptions());
        using (no_grad())
            foreach (var layer in lora.Layers) layer.LoraB.weight!.normal_(0, 0.5);
        var weightsBefore = TinyTextClassification.Snapshot(model);
        var logits = PeftTestSupport.Logits(model);

        lora.SaveMerged(model, dir.Path);
        Assert.False(lora.IsMerged);
        // The live model is back to its unmerged weights (W + ΔW − ΔW, so up to float rounding).
        Assert.All(model.named_parameters(), p => Assert.True(TinyTextClassification.MaxAbsDiff(p.parameter, weightsBefore[p.name]) <= 1e-6, p.name));
        var (plain, report) = SequenceClassifierFactory.FromPretrained(dir.Path, new SequenceClassificationOptions());
        using var _ = plain.Module;
        Assert.True(report.IsClean, report.ToString());
        Assert.DoesNotContain(plain.Module.named_parameters(), p => p.name.Contains("lora_"));
        Assert.True(TinyTextClassification.MaxAbsDiff(logits, PeftTestSupport.Logits(plain)) <= 1e-5);
    }

    [Fact]
    public void RsLoraScalesByAlphaOverSqrtR()
    {
        using var model = TinyTextClassification.Model();
        var lora = LoraModel.Apply(model, new LoraOptions { R = 4, Alpha = 16, UseRslora = true });
        Assert.All(lora.Layers, l => Assert.Equal(8.0, l.Scale));
        Assert.Equal(4.0, new LoraOptions { R = 4, Alpha = 16 }.Scale);

        // The hook really uses the scale: output change = scale · B·A x.
        var layer = lora.Layers[0];
        using (no_grad()) layer.LoraB.weight!.fill_(0.1f);
        var linear = (TorchSharp.Modules.Linear)model.named_modules().Single(m => m.name == layer.Path).module;
        using var noGrad = no_grad();
        var x = randn(3, 16);
        var expected = nn.functional.linear(x, linear.weight!, linear.bias) + 8.0 * x.matmul(layer.LoraA.weight!.t()).matmul(layer.LoraB.weight!.t());
        Assert.True(TinyTextClassification.MaxAbsDiff(linear.call(x), expected) <= 1e-5);
    }

    [Fact]
    public void AllLinearTargetsEveryLinearButTheHead()
    {
        using var model = TinyTextClassification.Model();
        var lora = LoraModel.Apply(model, new LoraOptions { TargetModules = "all-linear" });
        var linears = model.named_modules().Where(m => m.module is TorchSharp.Modules.Linear && !m.name.Contains(".lora_") && m.name != "classifier")
            .Select(m => m.name).ToList();
        Assert.Equal(2 * 6 + 1, linears.Count); // q, k, v, attention.output.dense, intermediate.dense, output.dense per layer + pooler
        Assert.Equal(linears, lora.Layers.Select(l => l.Path));
        Assert.DoesNotContain(lora.Layers, l => l.Path == "classifier");
    }

    [Fact]
    public void NamesListsAndRegexesFollowPeftMatching()
    {
        using var model = TinyTextClassification.Model();
        var byName = LoraModel.Apply(model, new LoraOptions { TargetModules = "attention.output.dense" });
        Assert.Equal(["bert.encoder.layer.0.attention.output.dense", "bert.encoder.layer.1.attention.output.dense"], byName.Layers.Select(l => l.Path));

        using var other = TinyTextClassification.Model();
        var byRegex = LoraModel.Apply(other, new LoraOptions { TargetModules = @".*layer\.1\.attention\.self\.(query|key)" });
        Assert.Equal(["bert.encoder.layer.1.attention.self.query", "bert.encoder.layer.1.attention.self.key"], byRegex.Layers.Select(l => l.Path));
    }

    [Fact]
    public void UnknownTargetModulesAreRejectedWithTheAvailableNames()
    {
        using var model = TinyTextClassification.Model();
        var error = Assert.Throws<PeftException>(() => LoraModel.Apply(model, new LoraOptions { TargetModules = "q_proj,v_proj" }));
        Assert.Contains("q_proj,v_proj", error.Message);
        Assert.Contains("not found in the base model", error.Message);
        Assert.Contains("query", error.Message);
        Assert.DoesNotContain(model.named_modules(), m => m.name.Contains("lora_")); // nothing half-applied
        Assert.Throws<PeftException>(() => LoraModel.Apply(model, new LoraOptions { R = 0 }));
    }
}
