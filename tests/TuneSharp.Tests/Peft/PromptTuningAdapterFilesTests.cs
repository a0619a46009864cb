using System.Text.Json.Nodes;
using TuneSharp.Architectures.Bert;
using TuneSharp.Checkpoints;
using TuneSharp.Peft.PromptTuning;
using TuneSharp.Peft;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tests.Tasks.SequenceClassification;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Tests.Training;
using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Peft;

/// <summary>Prompt tuning adapter folders in Hugging Face PEFT's layout, and prompt tuning on the real MiniLM checkpoint.</summary>
[Collection(TorchRandomCollection.Name)]
public class PromptTuningAdapterFilesTests
{
    private static Tensor Logits(ISequenceClassifier classifier, Tensor ids, Tensor mask)
    {
        classifier.Module.eval();
        using var noGrad = no_grad();
        return classifier.Forward(ids, mask, zeros_like(ids));
    }

    /// <summary>A prompt-tuned tiny BERT whose prompt and head differ from their initial values, saved to "adapter".</summary>
    private static (PromptTuningModel Adapter, string AdapterDir) SavedBertAdapter(TempDir dir, BertForSequenceClassification model)
    {
        var adapter = PromptTuningModel.Apply(model, new PromptTuningOptions { NumVirtualTokens = 3, Init = PromptTuningInit.Text, InitText = "good w2" },
            TinyTextClassification.Tokenizer(dir.Path), baseModelNameOrPath: "tiny-bert");
        using (no_grad())
        {
            adapter.Prompt.weight!.add_(randn_like(adapter.Prompt.weight!));
            model.Classifier.weight!.add_(randn_like(model.Classifier.weight!));
        }
        var adapterDir = Path.Combine(dir.Path, "adapter");
        adapter.SaveAdapter(adapterDir);
        return (adapter, adapterDir);
    }

    [Fact]
    public void SaveThenLoadGivesIdenticalLogitsAndTheFileHoldsOnlyThePromptAndTheHead()
    {
        using var dir = new TempDir();
        var (ids, mask, _) = PeftTestSupport.Batch();
        using var model = TinyTextClassification.Model(initSeed: 21);
        var baseDir = Path.Combine(dir.Path, "base");
        model.SavePretrained(baseDir);
        var (adapter, adapterDir) = SavedBertAdapter(dir, model);
        var expected = Logits(adapter.Classifier, ids, mask);

        var weightsPath = Path.Combine(adapterDir, AdapterFiles.WeightsFileName);
        var saved = SafeTensors.Load(weightsPath);
        Assert.Equal(new[] { "base_model.classifier.bias", "base_model.classifier.weight", "prompt_embeddings" }, saved.Keys.Order().ToArray());
        Assert.Equal(new long[] { 3, 16 }, saved["prompt_embeddings"].shape);
        Assert.Equal(ScalarType.Float32, saved["prompt_embeddings"].dtype);
        Assert.Equal(new long[] { 2, 16 }, saved["base_model.classifier.weight"].shape);
        Assert.True(TinyTextClassification.Identical(adapter.Prompt.weight!, saved["prompt_embeddings"]));
        // File size: 8-byte header length + JSON header + exactly the float32 data of those three tensors.
        var bytes = File.ReadAllBytes(weightsPath);
        var headerLength = BitConverter.ToInt64(bytes, 0);
        Assert.Equal((3 * 16 + 2 * 16 + 2) * 4, bytes.Length - 8 - headerLength);

        // Into a fresh base classifier with a different head.
        using var fresh = TinyTextClassification.Model(initSeed: 21);
        using (no_grad()) fresh.Classifier.weight!.zero_();
        var loaded = PromptTuningModel.LoadAdapter(fresh, adapterDir);
        Assert.True(TinyTextClassification.Identical(expected, Logits(loaded.Classifier, ids, mask)));
        Assert.Equal("tiny-bert", loaded.BaseModelNameOrPath);
        Assert.Equal(adapter.Options, loaded.Options);

        // From the saved base folder, as predict / evaluate open it.
        var (classifier, fromFolders) = PromptTuningModel.FromPretrained(baseDir, adapterDir, new SequenceClassificationOptions { NumLabels = 2 });
        using var module = classifier.Module;
        Assert.IsType<PromptTunedClassifier>(classifier);
        Assert.False(module.training);
        Assert.True(TinyTextClassification.Identical(expected, Logits(classifier, ids, mask)));
        Assert.Equal(["classifier"], fromFolders.ModulesToSave);
    }

    [Fact]
    public void LlamaAdapterSavesTheScoreHeadAndLoadsBack()
    {
        using var dir = new TempDir();
        using var model = TinyClassifiers.Llama(new SequenceClassificationOptions { NumLabels = 3 });
        var adapter = PromptTuningModel.Apply(model, new PromptTuningOptions { NumVirtualTokens = 5, Init = PromptTuningInit.SampleVocab });
        var ids = TinyClassifiers.Long(new long[,] { { 0, 0, 1, 7, 3 }, { 1, 5, 9, 12, 4 } });
        var mask = TinyClassifiers.Long(new long[,] { { 0, 0, 1, 1, 1 }, { 1, 1, 1, 1, 1 } });
        var expected = Logits(adapter.Classifier, ids, mask);
        adapter.SaveAdapter(dir.Path);
        var keys = SafeTensors.Load(Path.Combine(dir.Path, AdapterFiles.WeightsFileName)).Keys.Order().ToArray();
        Assert.Equal(new[] { "base_model.score.weight", "prompt_embeddings" }, keys);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, AdapterFiles.ConfigFileName)))!;
        Assert.Equal("SAMPLE_VOCAB", config["prompt_tuning_init"]!.GetValue<string>());
        Assert.Equal(4, config["num_attention_heads"]!.GetValue<int>());

        using var fresh = TinyClassifiers.Llama(new SequenceClassificationOptions { NumLabels = 3 });
        using (no_grad()) fresh.named_parameters().ToList().ForEach(p => p.parameter.copy_(model.named_parameters().First(q => q.name == p.name).parameter));
        using (no_grad()) fresh.Score.weight!.zero_();
        var loaded = PromptTuningModel.LoadAdapter(fresh, dir.Path);
        Assert.True(TinyTextClassification.Identical(expected, Logits(loaded.Classifier, ids, mask)));
    }

    [Fact]
    public void ConfigRoundTripsAndIsWrittenAsPeftWritesIt()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 22);
        var (adapter, adapterDir) = SavedBertAdapter(dir, model);

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(adapterDir, AdapterFiles.ConfigFileName)))!.AsObject();
        Assert.Equal("PROMPT_TUNING", json["peft_type"]!.GetValue<string>());
        Assert.Equal("SEQ_CLS", json["task_type"]!.GetValue<string>());
        Assert.Equal(3, json["num_virtual_tokens"]!.GetValue<int>());
        Assert.Equal(16, json["token_dim"]!.GetValue<int>());
        Assert.Equal(1, json["num_transformer_submodules"]!.GetValue<int>());
        Assert.Equal(2, json["num_attention_heads"]!.GetValue<int>());
        Assert.Equal(2, json["num_layers"]!.GetValue<int>());
        Assert.Equal("TEXT", json["prompt_tuning_init"]!.GetValue<string>());
        Assert.Equal("good w2", json["prompt_tuning_init_text"]!.GetValue<string>());
        Assert.Equal("tiny-bert", json["tokenizer_name_or_path"]!.GetValue<string>()); // the base model's tokenizer
        Assert.Equal("tiny-bert", json["base_model_name_or_path"]!.GetValue<string>());
        Assert.False(json.ContainsKey("modules_to_save")); // PEFT 0.10's PromptTuningConfig has no such field; SEQ_CLS implies the head
        Assert.True(json["inference_mode"]!.GetValue<bool>());
        Assert.Equal(json.Select(kv => kv.Key).Order(StringComparer.Ordinal), json.Select(kv => kv.Key)); // sort_keys=True

        var read = PromptTuningConfig.Load(adapterDir);
        Assert.Equal(adapter.ToConfig(), read);
        Assert.Null(read.ModulesToSave);
        Assert.Equal(["classifier"], adapter.ModulesToSave);
        Assert.Equal(adapter.Options, read.ToOptions());
    }

    [Fact]
    public void AFolderWrittenAsPeftWritesItLoads()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 23);
        var adapterDir = Path.Combine(dir.Path, "peft");
        Directory.CreateDirectory(adapterDir);
        // What PEFT's save_pretrained writes for PromptTuningConfig(task_type="SEQ_CLS", num_virtual_tokens=2): both head
        // names in modules_to_save, whatever the architecture, and a few fields TuneSharp does not use.
        File.WriteAllText(Path.Combine(adapterDir, AdapterFiles.ConfigFileName), """
            {
              "auto_mapping": null,
              "base_model_name_or_path": "tiny-bert",
              "inference_mode": true,
              "modules_to_save": ["classifier", "score"],
              "num_attention_heads": 2,
              "num_layers": 2,
              "num_transformer_submodules": 1,
              "num_virtual_tokens": 2,
              "peft_type": "PROMPT_TUNING",
              "peft_version": "0.17.1",
              "prompt_tuning_init": "RANDOM",
              "prompt_tuning_init_text": null,
              "revision": null,
              "task_type": "SEQ_CLS",
              "token_dim": 16,
              "tokenizer_kwargs": null,
              "tokenizer_name_or_path": null
            }
            """);
        manual_seed(5);
        var prompt = randn(2, 16);
        var head = randn(2, 16);
        SafeTensors.Save(Path.Combine(adapterDir, AdapterFiles.WeightsFileName), new Dictionary<string, Tensor>
        {
            ["prompt_embeddings"] = prompt, ["base_model.classifier.weight"] = head, ["base_model.classifier.bias"] = zeros(2),
        });

        var adapter = PromptTuningModel.LoadAdapter(model, adapterDir);
        Assert.True(TinyTextClassification.Identical(prompt, adapter.Prompt.weight!));
        Assert.True(TinyTextClassification.Identical(head, model.Classifier.weight!));
        Assert.Equal(["classifier"], adapter.ModulesToSave);
    }

    [Fact]
    public void BadConfigFilesAreRefusedNamingTheFileAndTheField()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 24);
        var (_, adapterDir) = SavedBertAdapter(dir, model);
        var configPath = Path.Combine(adapterDir, AdapterFiles.ConfigFileName);
        var good = File.ReadAllText(configPath);

        string Refused(string field, JsonNode? value)
        {
            var json = JsonNode.Parse(good)!.AsObject();
            json[field] = value;
            File.WriteAllText(configPath, json.ToJsonString());
            using var fresh = TinyTextClassification.Model(initSeed: 24);
            var error = Assert.Throws<PeftException>(() => PromptTuningModel.LoadAdapter(fresh, adapterDir));
            Assert.Contains(configPath, error.Message);
            Assert.Contains(field, error.Message);
            return error.Message;
        }

        Assert.Contains("not a prompt tuning adapter", Refused("peft_type", "LORA"));
        Assert.Contains("only \"SEQ_CLS\"", Refused("task_type", "CAUSAL_LM"));
        Assert.Contains("supports only 1", Refused("num_transformer_submodules", 2));
        Assert.Contains("\"RANDOM\", \"TEXT\" or \"SAMPLE_VOCAB\"", Refused("prompt_tuning_init", "XAVIER"));
        Assert.Contains("must be an integer", Refused("num_virtual_tokens", "twenty"));
        Assert.Contains("positive integer", Refused("num_virtual_tokens", 0));
        Assert.Contains("missing", Refused("num_virtual_tokens", null));
        Assert.Contains("hidden size is 16", Refused("token_dim", 768));
        Assert.Contains("prompt_tuning_init_text is empty", Refused("prompt_tuning_init_text", null));
        Assert.Contains("\"pooler\"", Refused("modules_to_save", new JsonArray("classifier", "pooler")));
        Assert.Contains("must be a list", Refused("modules_to_save", "classifier"));

        File.WriteAllText(configPath, "{ not json");
        Assert.Contains("not valid JSON", Assert.Throws<PeftException>(() => PromptTuningConfig.Load(adapterDir)).Message);
        File.Delete(configPath);
        Assert.Contains("adapter_config.json is missing", Assert.Throws<PeftException>(() => PromptTuningConfig.Load(adapterDir)).Message);
    }

    [Fact]
    public void WeightsThatDoNotFitAreRefused()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 25);
        var (_, adapterDir) = SavedBertAdapter(dir, model);
        var weightsPath = Path.Combine(adapterDir, AdapterFiles.WeightsFileName);
        SafeTensors.Save(weightsPath, new Dictionary<string, Tensor>
        {
            ["prompt_embeddings"] = zeros(4, 16), ["base_model.classifier.weight"] = zeros(2, 16), ["base_model.classifier.bias"] = zeros(2),
        });
        using var fresh = TinyTextClassification.Model(initSeed: 25);
        var error = Assert.Throws<PeftException>(() => PromptTuningModel.LoadAdapter(fresh, adapterDir));
        Assert.Contains("'prompt_embeddings' has shape [4, 16] but the model expects [3, 16]", error.Message);
    }

    [SkippableFact]
    public void PromptTuningOnMiniLmTrainsNTimes384PlusTheHeadAndTextInitMatchesTheBaseModel()
    {
        var modelDir = SharedData.RequireModel("all-MiniLM-L6-v2");
        manual_seed(0);
        var (classifier, _) = SequenceClassifierFactory.FromPretrained(modelDir, new SequenceClassificationOptions { NumLabels = 2 });
        using var module = classifier.Module;
        module.eval();
        var tokenizer = TextTokenizer.FromPretrained(modelDir);
        const string initText = "Classify the sentiment of this review:";
        var initIds = tokenizer.Encode(initText).InputIds.Select(i => (long)i).ToArray();
        Assert.Equal(101, initIds[0]); // [CLS] ... [SEP], as PEFT's tokenizer(init_text)
        Assert.Equal(102, initIds[^1]);
        var ids = tensor(new long[] { 101, 7592, 2088, 2003, 2307, 102 }, [1, 6]); // [CLS] hello world is great [SEP]
        var mask = ones_like(ids);
        var prefixed = cat([tensor(initIds).unsqueeze(0), ids], 1);
        var expected = Logits(classifier, prefixed, ones_like(prefixed));
        var (_, all) = PeftSummary.Count(module);

        var adapter = PromptTuningModel.Apply(classifier, new PromptTuningOptions { NumVirtualTokens = initIds.Length, Init = PromptTuningInit.Text, InitText = initText }, tokenizer, modelDir);
        var tuned = Logits(adapter.Classifier, ids, mask);
        var diff = TinyTextClassification.MaxAbsDiff(expected, tuned);
        Assert.True(diff <= 1e-6, $"max |diff| = {diff}");

        var (trainable, withPrompt) = PeftSummary.Count(module);
        Assert.Equal(initIds.Length * 384 + 384 * 2 + 2, trainable);
        Assert.Equal(all + initIds.Length * 384, withPrompt);

        // The default 20 virtual tokens: 20·384 + the 384→2 head.
        manual_seed(0);
        var (other, _) = SequenceClassifierFactory.FromPretrained(modelDir, new SequenceClassificationOptions { NumLabels = 2 });
        using var otherModule = other.Module;
        PromptTuningModel.Apply(other, new PromptTuningOptions(), baseModelNameOrPath: modelDir);
        Assert.StartsWith($"trainable params: {20 * 384 + 384 * 2 + 2:N0} || all params: ", PeftSummary.Describe(otherModule));
    }
}
