using System.Text.Json.Nodes;
using TorchSharp.Modules;
using TuneSharp.Checkpoints;
using TuneSharp.Peft;
using TuneSharp.Peft.Bottleneck;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tests.Tasks.SequenceClassification;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Tests.Training;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Peft;

/// <summary>Bottleneck adapters (Houlsby / Pfeiffer) on the tiny BERT (2 layers, 16 wide) and tiny Llama classifiers.</summary>
[Collection(TorchRandomCollection.Name)]
public class BottleneckAdapterTests
{
    private static readonly string[] HoulsbyPaths = Enumerable.Range(0, 2)
        .SelectMany(i => new[] { $"bert.encoder.layer.{i}.attention.output.dense", $"bert.encoder.layer.{i}.output.dense" }).ToArray();

    [Fact]
    public void AFreshAdapterGivesExactlyTheBaseOutputsAndSitsWhereTheVariantSays()
    {
        using var model = TinyTextClassification.Model(initSeed: 4);
        var baseLogits = PeftTestSupport.Logits(model);
        var adapter = BottleneckAdapterModel.Apply(model, new BottleneckOptions { ReductionFactor = 4 });

        Assert.Equal(HoulsbyPaths, adapter.Layers.Select(l => l.Path));
        Assert.Equal(4, adapter.BottleneckSize); // 16 / 4
        Assert.Equal(new long[] { 4, 16 }, adapter.Layers[0].Down.weight!.shape);
        Assert.Equal(new long[] { 16, 4 }, adapter.Layers[0].Up.weight!.shape);
        Assert.True(TinyTextClassification.Identical(baseLogits, PeftTestSupport.Logits(model)));

        using var other = TinyTextClassification.Model(initSeed: 4);
        var pfeiffer = BottleneckAdapterModel.Apply(other, new BottleneckOptions { Variant = BottleneckVariant.Pfeiffer });
        Assert.Equal(["bert.encoder.layer.0.output.dense", "bert.encoder.layer.1.output.dense"], pfeiffer.Layers.Select(l => l.Path));
        Assert.Equal(1, pfeiffer.BottleneckSize); // 16 / 16
    }

    [Fact]
    public void OnLlamaAdaptersFollowTheAttentionAndMlpOutputProjections()
    {
        using var model = TinyClassifiers.Llama(new SequenceClassificationOptions { NumLabels = 3 });
        var ids = TinyClassifiers.Long(new long[,] { { 1, 5, 9, 12 }, { 1, 7, 3, 0 } });
        var mask = TinyClassifiers.Long(new long[,] { { 1, 1, 1, 1 }, { 1, 1, 1, 0 } });
        Tensor Run() { model.eval(); using var g = no_grad(); return model.Forward(ids, mask, null); }
        var baseLogits = Run();
        var adapter = BottleneckAdapterModel.Apply(model, new BottleneckOptions { ReductionFactor = 2 });
        Assert.NotEmpty(adapter.Layers);
        Assert.All(adapter.Layers, l => Assert.Matches(@"^model\.layers\.\d+\.(self_attn\.o_proj|mlp\.down_proj)$", l.Path));
        Assert.Equal(["score"], adapter.ModulesToSave);
        Assert.True(TinyTextClassification.Identical(baseLogits, Run()));

        // With a non-zero up-projection the adapter really changes the output.
        using (no_grad()) adapter.Layers[^1].Up.weight!.normal_(0, 0.5);
        Assert.True(TinyClassifiers.MaxAbsDiff(baseLogits, Run()) > 1e-4);
    }

    [Fact]
    public void TheHookComputesHPlusUpOfActivationOfDownOfH()
    {
        using var model = TinyTextClassification.Model(initSeed: 2);
        var adapter = BottleneckAdapterModel.Apply(model, new BottleneckOptions { ReductionFactor = 2, NonLinearity = "gelu" });
        var layer = adapter.Layers[1];
        using (no_grad())
        {
            layer.Up.weight!.normal_(0, 0.3);
            layer.Up.bias!.normal_(0, 0.3);
            layer.Down.bias!.normal_(0, 0.3);
        }
        var dense = (Linear)model.named_modules().Single(m => m.name == layer.Path).module;
        manual_seed(9);
        var x = randn(3, 5, dense.weight!.shape[1]); // the feed-forward output projection takes the intermediate width
        using var noGrad = no_grad();
        var h = nn.functional.linear(x, dense.weight!, dense.bias!);
        var expected = h + nn.functional.linear(nn.functional.gelu(nn.functional.linear(h, layer.Down.weight!, layer.Down.bias!)), layer.Up.weight!, layer.Up.bias!);
        var actual = dense.call(x); // call runs the forward hook
        Assert.True(TinyClassifiers.MaxAbsDiff(expected, actual) < 1e-6, $"max diff {TinyClassifiers.MaxAbsDiff(expected, actual)}");
    }

    [Fact]
    public void TrainingMovesOnlyTheAdaptersAndTheHead()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 5);
        BottleneckAdapterModel.Apply(model, new BottleneckOptions { ReductionFactor = 4 });
        var expected = model.named_parameters().Select(p => p.name)
            .Where(n => n.Contains(".adapter_down.") || n.Contains(".adapter_up.") || n.StartsWith("classifier.")).ToHashSet();
        Assert.Equal(HoulsbyPaths.Length * 4 + 2, expected.Count);
        Assert.Equal(expected, PeftTestSupport.Trainable(model));
        using var optimizer = OptimizerSetup.CreateAdamW(OptimizerSetup.TrainableParameters(model), new TrainingArguments { OutputDir = dir.Path });
        var handles = model.named_parameters().ToDictionary(p => p.parameter.Handle, p => p.name);
        var inOptimizer = optimizer.ParamGroups.Cast<AdamW.ParamGroup>().SelectMany(g => g.Parameters).Select(p => handles[p.Handle]).ToHashSet();
        Assert.Equal(expected, inOptimizer);

        var before = TinyTextClassification.Snapshot(model);
        var result = PeftTestSupport.TrainFewSteps(model, dir.Path);
        Assert.Equal(6, result.GlobalStep);
        Assert.Equal(expected, PeftTestSupport.Changed(model, before)); // every frozen tensor bit-identical, every adapter tensor moved
        var (trainable, _) = PeftSummary.Count(model);
        Assert.Equal(HoulsbyPaths.Length * (16 * 4 + 4 + 4 * 16 + 16) + 2 * 16 + 2, trainable);
    }

    [Fact]
    public void SaveThenLoadGivesIdenticalOutputsAndTheFileHoldsOnlyAdapterTensors()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 7);
        var baseDir = Path.Combine(dir.Path, "base");
        model.SavePretrained(baseDir);
        var adapter = BottleneckAdapterModel.Apply(model, new BottleneckOptions { ReductionFactor = 4, NonLinearity = "tanh" }, "tiny-bert");
        PeftTestSupport.TrainFewSteps(model, dir.Path);
        var logits = PeftTestSupport.Logits(model);
        var adapterDir = Path.Combine(dir.Path, "adapter");
        adapter.SaveAdapter(adapterDir);

        var keys = SafeTensors.ReadHeader(Path.Combine(adapterDir, AdapterFiles.WeightsFileName)).Tensors.Select(t => t.Name).Order().ToList();
        var expected = HoulsbyPaths.SelectMany(p => new[] { "adapter_down.weight", "adapter_down.bias", "adapter_up.weight", "adapter_up.bias" }
            .Select(s => $"base_model.model.{p}.{s}")).Concat(["base_model.model.classifier.weight", "base_model.model.classifier.bias"]).Order().ToList();
        Assert.Equal(expected, keys);
        Assert.True(new FileInfo(Path.Combine(adapterDir, AdapterFiles.WeightsFileName)).Length < new FileInfo(Path.Combine(baseDir, "model.safetensors")).Length / 4);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(adapterDir, AdapterFiles.ConfigFileName)))!.AsObject();
        Assert.Equal("BOTTLENECK", config["peft_type"]!.GetValue<string>());
        Assert.Equal("houlsby", config["adapter_variant"]!.GetValue<string>());
        Assert.Equal(4, config["bottleneck_size"]!.GetValue<int>());

        var (loaded, reloaded) = BottleneckAdapterModel.FromPretrained(baseDir, adapterDir, new SequenceClassificationOptions { NumLabels = 2 });
        using var _ = loaded.Module;
        Assert.Equal("tanh", reloaded.Options.NonLinearity);
        Assert.True(TinyTextClassification.Identical(logits, PeftTestSupport.Logits(loaded)));
        // The generic loader dispatches on peft_type and gives the same model.
        var (viaLoader, kind) = PeftClassifierLoader.LoadAdapter(adapterDir, baseDir);
        using var __ = viaLoader.Module;
        Assert.IsType<BottleneckAdapterModel>(kind);
        Assert.True(TinyTextClassification.Identical(logits, PeftTestSupport.Logits(viaLoader)));
    }

    [Fact]
    public void AnAdapterForAnotherBaseOrAnUnknownTypeIsRefusedClearly()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 3);
        var adapter = BottleneckAdapterModel.Apply(model, new BottleneckOptions { ReductionFactor = 4 });
        var adapterDir = Path.Combine(dir.Path, "adapter");
        adapter.SaveAdapter(adapterDir);

        // A base with 3 layers instead of 2.
        var deeper = TinyTextClassification.Config(0.0);
        deeper.NumHiddenLayers = 3;
        using var other = TinyClassifiers.Bert(new SequenceClassificationOptions { NumLabels = 2 }, deeper);
        var e = Assert.Throws<PeftException>(() => BottleneckAdapterModel.LoadAdapter(other, adapterDir));
        Assert.Contains("another base model", e.Message);
        Assert.Contains("adapter_config.json", e.Message);

        var configPath = Path.Combine(adapterDir, AdapterFiles.ConfigFileName);
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("\"reduction_factor\": 4", "\"reduction_factor\": \"four\""));
        e = Assert.Throws<PeftException>(() => BottleneckConfig.Load(adapterDir));
        Assert.Contains("reduction_factor", e.Message);

        File.WriteAllText(configPath, """{"peft_type": "IA3", "base_model_name_or_path": "x"}""");
        e = Assert.Throws<PeftException>(() => PeftClassifierLoader.LoadAdapter(adapterDir, dir.Path));
        Assert.Contains("IA3", e.Message);
        Assert.Contains("LORA", e.Message);
        e = Assert.Throws<PeftException>(() => AdapterMerging.Merge(dir.Path, adapterDir, Path.Combine(dir.Path, "merged")));
        Assert.Contains("only LoRA", e.Message);

        Assert.Throws<PeftException>(() => new BottleneckOptions { ReductionFactor = 0 }.Validate());
        Assert.Contains("softsign", Assert.Throws<PeftException>(() => new BottleneckOptions { NonLinearity = "softsign" }.Validate()).Message);
    }
}
