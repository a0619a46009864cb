using System.Text.Json.Nodes;
using TuneSharp.Architectures.Bert;
using TuneSharp.Checkpoints;
using TuneSharp.Peft.Lora;
using TuneSharp.Peft;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tests.Tasks.SequenceClassification;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Tests.Training;

namespace TuneSharp.Tests.Peft;

/// <summary>Saving and loading adapters in Hugging Face PEFT's layout.</summary>
[Collection(TorchRandomCollection.Name)]
public class LoraAdapterFilesTests
{
    /// <summary>Saves a random base classifier, trains LoRA on it for a few steps and saves the adapter.</summary>
    private static (string BaseDir, string AdapterDir, TorchSharp.torch.Tensor Logits, LoraModel Lora) TrainAndSave(TempDir dir, LoraOptions options, BertForSequenceClassification model)
    {
        var baseDir = Path.Combine(dir.Path, "base");
        model.SavePretrained(baseDir);
        var lora = LoraModel.Apply(model, options, baseModelNameOrPath: "tiny-bert");
        PeftTestSupport.TrainFewSteps(model, dir.Path);
        var adapterDir = Path.Combine(dir.Path, "adapter");
        lora.SaveAdapter(adapterDir);
        return (baseDir, adapterDir, PeftTestSupport.Logits(model), lora);
    }

    [Fact]
    public void SaveThenLoadGivesIdenticalOutputs()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 7);
        var (baseDir, adapterDir, logits, _) = TrainAndSave(dir, new LoraOptions { R = 4, Alpha = 8, Dropout = 0.1 }, model);

        var (loaded, lora) = LoraModel.FromPretrained(baseDir, adapterDir, new SequenceClassificationOptions { NumLabels = 2 });
        using var _ = loaded.Module;
        Assert.Equal(4, lora.Options.R);
        Assert.Equal(2.0, lora.Layers[0].Scale);
        Assert.Equal("tiny-bert", lora.BaseModelNameOrPath);
        Assert.True(TinyTextClassification.Identical(logits, PeftTestSupport.Logits(loaded)), $"max diff {TinyTextClassification.MaxAbsDiff(logits, PeftTestSupport.Logits(loaded))}");
        // The loaded base without the adapter differs: the adapter and head really came from the files.
        var (plain, _) = SequenceClassifierFactory.FromPretrained(baseDir, new SequenceClassificationOptions { NumLabels = 2 });
        using var __ = plain.Module;
        Assert.True(TinyTextClassification.MaxAbsDiff(logits, PeftTestSupport.Logits(plain)) > 1e-3);
    }

    [Fact]
    public void TheAdapterFileHoldsOnlyAdapterAndHeadTensorsWithPeftNames()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 8);
        var (baseDir, adapterDir, _, _) = TrainAndSave(dir, new LoraOptions(), model);

        Assert.Equal(["adapter_config.json", "adapter_model.safetensors"], Directory.GetFiles(adapterDir).Select(Path.GetFileName).Order());
        var header = SafeTensors.ReadHeader(Path.Combine(adapterDir, AdapterWeights.FileName));
        var expected = new List<string>();
        foreach (var layer in new[] { 0, 1 })
            foreach (var proj in new[] { "query", "value" })
                foreach (var ab in new[] { "lora_A", "lora_B" })
                    expected.Add($"base_model.model.bert.encoder.layer.{layer}.attention.self.{proj}.{ab}.weight");
        expected.AddRange(["base_model.model.classifier.bias", "base_model.model.classifier.weight"]);
        var keys = header.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected.Order(StringComparer.Ordinal), keys);
        var infos = header.Tensors.ToDictionary(t => t.Name);
        Assert.Equal(new long[] { 8, 16 }, infos["base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight"].Shape);
        Assert.Equal(new long[] { 16, 8 }, infos["base_model.model.bert.encoder.layer.0.attention.self.query.lora_B.weight"].Shape);

        var adapterBytes = new FileInfo(Path.Combine(adapterDir, AdapterWeights.FileName)).Length;
        var baseBytes = new FileInfo(Path.Combine(baseDir, "model.safetensors")).Length;
        Assert.True(adapterBytes < baseBytes / 4, $"adapter {adapterBytes} B vs full model {baseBytes} B");

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(adapterDir, AdapterConfig.FileName)))!.AsObject();
        Assert.Equal("LORA", config["peft_type"]!.GetValue<string>());
        Assert.Equal("SEQ_CLS", config["task_type"]!.GetValue<string>());
        Assert.Equal(8, config["r"]!.GetValue<int>());
        Assert.Equal(16, config["lora_alpha"]!.GetValue<int>());
        Assert.Equal(0.0, config["lora_dropout"]!.GetValue<double>());
        Assert.Equal(["query", "value"], config["target_modules"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(["classifier"], config["modules_to_save"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("none", config["bias"]!.GetValue<string>());
        Assert.False(config["use_rslora"]!.GetValue<bool>());
        Assert.False(config["fan_in_fan_out"]!.GetValue<bool>());
        Assert.True(config["inference_mode"]!.GetValue<bool>());
        Assert.Equal("tiny-bert", config["base_model_name_or_path"]!.GetValue<string>());
    }

    [Fact]
    public void RegexAndAllLinearTargetsRoundTrip()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 9);
        var (baseDir, adapterDir, logits, saved) = TrainAndSave(dir, new LoraOptions { TargetModules = @".*\.(key|dense)", UseRslora = true }, model);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(adapterDir, AdapterConfig.FileName)))!.AsObject();
        Assert.Equal(@".*\.(key|dense)", config["target_modules"]!.GetValue<string>());
        Assert.True(config["use_rslora"]!.GetValue<bool>());
        var (loaded, lora) = LoraModel.FromPretrained(baseDir, adapterDir, new SequenceClassificationOptions { NumLabels = 2 });
        using var _ = loaded.Module;
        Assert.Equal(saved.Layers.Select(l => l.Path), lora.Layers.Select(l => l.Path));
        Assert.Equal(16 / Math.Sqrt(8), lora.Layers[0].Scale);
        Assert.True(TinyTextClassification.Identical(logits, PeftTestSupport.Logits(loaded)));

        using var dir2 = new TempDir();
        using var model2 = TinyTextClassification.Model(initSeed: 9);
        var (baseDir2, adapterDir2, logits2, saved2) = TrainAndSave(dir2, new LoraOptions { TargetModules = "all-linear" }, model2);
        var names = JsonNode.Parse(File.ReadAllText(Path.Combine(adapterDir2, AdapterConfig.FileName)))!["target_modules"]!.AsArray().Select(n => n!.GetValue<string>());
        Assert.Equal(["dense", "key", "query", "value"], names);
        var (loaded2, lora2) = LoraModel.FromPretrained(baseDir2, adapterDir2, new SequenceClassificationOptions { NumLabels = 2 });
        using var __ = loaded2.Module;
        Assert.Equal(saved2.Layers.Select(l => l.Path), lora2.Layers.Select(l => l.Path));
        Assert.True(TinyTextClassification.Identical(logits2, PeftTestSupport.Logits(loaded2)));
    }

    [Fact]
    public void AnAdapterForAnotherBaseModelIsRejected()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 10);
        var (_, adapterDir, _, _) = TrainAndSave(dir, new LoraOptions(), model);

        using var llama = TinyClassifiers.Llama(new SequenceClassificationOptions { NumLabels = 2 });
        var notFound = Assert.Throws<PeftException>(() => LoraModel.LoadAdapter(llama, adapterDir));
        Assert.Contains("not found in the base model", notFound.Message);
        Assert.Contains("q_proj", notFound.Message); // names what the model does have

        var oneLayerConfig = TinyTextClassification.Config(0.0);
        oneLayerConfig.NumHiddenLayers = 1;
        using var shallow = new BertForSequenceClassification(oneLayerConfig);
        var extra = Assert.Throws<PeftException>(() => LoraModel.LoadAdapter(shallow, adapterDir));
        Assert.Contains("does not have", extra.Message);
        Assert.Contains("layer.1", extra.Message);

        using var threeLabels = TinyClassifiers.Bert(new SequenceClassificationOptions { NumLabels = 3 }, TinyTextClassification.Config(0.0));
        var shape = Assert.Throws<PeftException>(() => LoraModel.LoadAdapter(threeLabels, adapterDir));
        Assert.Contains("base_model.model.classifier", shape.Message);
        Assert.Contains("[2, 16]", shape.Message);

        File.WriteAllText(Path.Combine(adapterDir, AdapterConfig.FileName), """{"peft_type": "PREFIX_TUNING"}""");
        using var fresh = TinyTextClassification.Model();
        Assert.Contains("only \"LORA\"", Assert.Throws<PeftException>(() => LoraModel.LoadAdapter(fresh, adapterDir)).Message);
        Assert.Contains("adapter_config.json is missing", Assert.Throws<PeftException>(() => LoraModel.LoadAdapter(fresh, dir.Path)).Message);
    }
}
