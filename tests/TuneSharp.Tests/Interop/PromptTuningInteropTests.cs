using System.Text.Json;
using System.Text.Json.Nodes;
using TuneSharp.Checkpoints;
using TuneSharp.Peft;
using TuneSharp.Peft.PromptTuning;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tests.Peft;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Tokenization;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Interop;

/// <summary>
/// Prompt-tuning adapter folders in both directions: one written by PEFT 0.10's own save_pretrained (made in the
/// reference environment by <c>Scripts/peft_prompt_tuning_adapter.py</c>) opens in TuneSharp with PEFT's logits, and
/// TuneSharp writes the same adapter_config.json and tensor names for it. The TuneSharp → PEFT direction is in
/// <see cref="SequenceClassificationInteropTests"/>. Also: the config TuneSharp writes has only the fields PEFT 0.10's
/// PromptTuningConfig has, and adapters from earlier TuneSharp versions (with modules_to_save) still load.
/// </summary>
public class PromptTuningInteropTests(ITestOutputHelper output) : IDisposable
{
    private const string Script = "peft_prompt_tuning_adapter.py";

    private readonly TempDir _tmp = new();

    /// <summary>
    /// The dataclass fields of PEFT 0.10's PromptTuningConfig (with those of PromptLearningConfig, PeftConfig and
    /// PeftConfigMixin): PEFT 0.10 passes every key of adapter_config.json to its constructor, so any other key fails there.
    /// </summary>
    private static readonly string[] Peft010PromptTuningFields =
    [
        "auto_mapping", "base_model_name_or_path", "inference_mode", "num_attention_heads", "num_layers", "num_transformer_submodules",
        "num_virtual_tokens", "peft_type", "prompt_tuning_init", "prompt_tuning_init_text", "revision", "task_type", "token_dim",
        "tokenizer_kwargs", "tokenizer_name_or_path",
    ];

    [SkippableFact]
    public void ABertAdapterWrittenByPeftLoadsInTuneSharpWithTheSameLogitsAndIsWrittenBackTheSame()
    {
        ReferencePython.Require();
        var baseDir = TinyTextClassification.BaseModelFolder(_tmp.File("base"), initSeed: 4);
        AssertPeftAdapterRoundTrips(baseDir, ["w1 good w2", "W3 BAD!", "bad w4 w5 w6 good w7", "unknownword"], "base_model.classifier.bias", "base_model.classifier.weight");
    }

    [SkippableFact]
    public void ALlamaAdapterWrittenByPeftLoadsInTuneSharpWithTheSameLogitsAndIsWrittenBackTheSame()
    {
        ReferencePython.Require();
        var baseDir = SharedData.RequireModel("stories260K");
        AssertPeftAdapterRoundTrips(baseDir, ["Lily was very happy.", "The dog cried and cried.", "Tom"], "base_model.score.weight");
    }

    [Fact]
    public void TheConfigTuneSharpWritesHasOnlyPeft010PromptTuningConfigFields()
    {
        using var model = TinyTextClassification.Model(initSeed: 31);
        var adapter = PromptTuningModel.Apply(model, new PromptTuningOptions { NumVirtualTokens = 2 }, baseModelNameOrPath: "tiny-bert");
        adapter.SaveAdapter(_tmp.Path);
        var json = JsonNode.Parse(File.ReadAllText(_tmp.File(AdapterFiles.ConfigFileName)))!.AsObject();
        Assert.Equal(Peft010PromptTuningFields, json.Select(kv => kv.Key).ToArray());
        // The head is still saved (PEFT's SEQ_CLS adds it to modules_to_save by itself) and still restored.
        Assert.Equal(["base_model.classifier.bias", "base_model.classifier.weight", PromptTuningModel.PromptKey],
            SafeTensors.Load(_tmp.File(AdapterFiles.WeightsFileName)).Keys.Order(StringComparer.Ordinal));
        using var fresh = TinyTextClassification.Model(initSeed: 32);
        Assert.Equal(["classifier"], PromptTuningModel.LoadAdapter(fresh, _tmp.Path).ModulesToSave);
    }

    [SkippableFact]
    public void ThatFieldListIsPeftsOwn()
    {
        var fields = ReferencePython.RunSource("""
            import dataclasses, json, peft
            print(json.dumps(sorted(f.name for f in dataclasses.fields(peft.PromptTuningConfig))))
            """, []).Json();
        Assert.Equal(Peft010PromptTuningFields, fields.EnumerateArray().Select(f => f.GetString()!).ToArray());
    }

    [Fact]
    public void AnAdapterSavedByEarlierTuneSharpWithModulesToSaveStillLoadsWithTheSameLogits()
    {
        using var model = TinyTextClassification.Model(initSeed: 33);
        var adapter = PromptTuningModel.Apply(model, new PromptTuningOptions { NumVirtualTokens = 3 }, baseModelNameOrPath: "tiny-bert");
        using (no_grad()) model.Classifier.weight!.add_(randn_like(model.Classifier.weight!));
        var expected = PeftTestSupport.Logits(adapter.Classifier);
        adapter.SaveAdapter(_tmp.Path);
        // What TuneSharp wrote before modules_to_save was dropped from prompt-tuning configs.
        var configPath = _tmp.File(AdapterFiles.ConfigFileName);
        var json = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        json["modules_to_save"] = new JsonArray("classifier");
        File.WriteAllText(configPath, json.ToJsonString());

        using var fresh = TinyTextClassification.Model(initSeed: 33); // the same base weights; prompt and head come from the file
        using (no_grad()) fresh.Classifier.weight!.zero_();
        var loaded = PromptTuningModel.LoadAdapter(fresh, _tmp.Path);
        Assert.Equal(["classifier"], loaded.ModulesToSave);
        Assert.True(TinyTextClassification.Identical(expected, PeftTestSupport.Logits(loaded.Classifier)));
        Assert.Equal(["classifier"], PromptTuningConfig.Load(_tmp.Path).ModulesToSave);
    }

    /// <summary>
    /// PEFT writes a 3-label adapter for <paramref name="baseDir"/>; TuneSharp loads it (ids and logits as PEFT's) and
    /// saves it again: the same adapter_config.json and the same tensors, named <paramref name="headKeys"/> + the prompt.
    /// </summary>
    private void AssertPeftAdapterRoundTrips(string baseDir, IReadOnlyList<string> texts, params string[] headKeys)
    {
        var peftDir = _tmp.File("peft");
        var reference = ReferencePython.Run(ReferencePython.Script(Script),
            ["--base", baseDir, "--output", peftDir, "--texts", ReferenceLogits.WriteTexts(_tmp, texts), "--num-labels", "3", "--num-virtual-tokens", "4"]).Json();
        Assert.Equal(["classifier", "score"], reference.GetProperty("modules_to_save").EnumerateArray().Select(e => e.GetString()));
        var peftTensors = reference.GetProperty("tensors").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal([.. headKeys, PromptTuningModel.PromptKey], peftTensors);

        var (classifier, adapter) = PromptTuningModel.FromPretrained(baseDir, peftDir, new SequenceClassificationOptions { NumLabels = 3 });
        using var module = classifier.Module;
        var difference = ReferenceLogits.AssertSameLogits(reference, classifier, TextTokenizer.FromPretrained(baseDir), texts);

        var resaved = _tmp.File("tunesharp");
        adapter.SaveAdapter(resaved);
        var peftConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(peftDir, AdapterFiles.ConfigFileName)))!;
        var ourConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(resaved, AdapterFiles.ConfigFileName)))!;
        Assert.True(JsonNode.DeepEquals(peftConfig, ourConfig), $"PEFT wrote\n{peftConfig}\nTuneSharp wrote\n{ourConfig}");
        var theirs = SafeTensors.Load(Path.Combine(peftDir, AdapterFiles.WeightsFileName));
        var ours = SafeTensors.Load(Path.Combine(resaved, AdapterFiles.WeightsFileName));
        Assert.Equal(theirs.Keys.Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, tensor) in theirs)
            Assert.True(TinyTextClassification.Identical(tensor, ours[name]), $"{name} differs after TuneSharp loaded and saved it");
        output.WriteLine($"PEFT {reference.GetProperty("peft").GetString()}-written adapter on {Path.GetFileName(baseDir)}: " +
            $"max |logit diff| {difference:E2}; config and tensors written back identically");
    }

    public void Dispose() => _tmp.Dispose();
}
