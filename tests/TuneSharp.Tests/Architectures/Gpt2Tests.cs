using System.Text.Json.Nodes;
using TuneSharp.Architectures;
using TuneSharp.Architectures.Gpt2;
using TuneSharp.Checkpoints;
using TuneSharp.Models;
using TuneSharp.Peft;
using TuneSharp.Peft.Bottleneck;
using TuneSharp.Peft.Lora;
using TuneSharp.Tasks;
using TuneSharp.Tasks.CausalLm;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tests.Models;
using TuneSharp.Tests.Training;
using TuneSharp.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Architectures;

/// <summary>
/// What is particular to GPT-2 beyond the golden and invariant suites: transformers' Conv1D weights are stored [in, out]
/// and TuneSharp's Linear modules hold [out, in], so every read and write of a model folder must turn them (and a LoRA
/// adapter on them must say fan_in_fan_out, as PEFT writes, and merge exactly); its config's names and refusals; its
/// position limit; checkpointed training.
/// </summary>
[Collection(TorchRandomCollection.Name)]
public sealed class Gpt2Tests(ITestOutputHelper output) : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Architectures", "Fixtures", "gpt2");
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static string Fixture(string shape, string part) => Path.Combine(Fixtures, shape, part);

    private static JsonObject Record(string shape) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures, "outputs.json")))!["models"]![shape]!.AsObject();

    private static (Tensor Ids, Tensor Mask) Batch(string shape)
    {
        var record = Record(shape);
        return (GoldenFiles.LongTensor(GoldenFiles.IntRows(record["input_ids"])), GoldenFiles.LongTensor(GoldenFiles.IntRows(record["attention_mask"])));
    }

    [Theory]
    [InlineData("gpt2-tied-odd-heads")]
    [InlineData("gpt2-untied-scaled")]
    [InlineData("gpt2-unscaled-relu")]
    public void Golden_max_differences_from_transformers_are_reported_and_within_1e_4(string shape)
    {
        var record = Record(shape);
        var (ids, mask) = Batch(shape);
        var real = mask.to_type(ScalarType.Bool);
        using var noGrad = no_grad();
        var (model, _) = AutoModelForCausalLM.FromPretrained(Fixture(shape, "causal"));
        using var module = model;
        var hidden = GoldenFiles.MaxAbsDiff(GoldenFiles.Expected(record["last_hidden_state"])[real], model.Backbone.Decode(ids, null, mask)[real]);
        var logits = GoldenFiles.MaxAbsDiff(GoldenFiles.Expected(record["logits"])[real], model.Forward(ids, mask)[real]);
        var (sequence, _) = SequenceClassifierFactory.FromPretrained(Fixture(shape, "seq"), new SequenceClassificationOptions());
        var seq = GoldenFiles.MaxAbsDiff(GoldenFiles.Expected(record["seq_logits"]), sequence.Forward(ids, mask, null));
        output.WriteLine($"{shape}: last_hidden_state {hidden:E2}, lm logits {logits:E2}, seq logits {seq:E2}");
        Assert.True(Math.Max(hidden, Math.Max(logits, seq)) <= 1e-4);
    }

    [Fact]
    public void Conv1D_weights_are_read_from_in_out_and_written_back_exactly_as_transformers_stored_them()
    {
        var folder = Fixture("gpt2-untied-scaled", "causal");
        var (model, report) = AutoModelForCausalLM.FromPretrained(folder);
        using var module = model;
        Assert.True(report.IsClean, report.ToString());
        var stored = ModelWeights.Load(folder);
        var state = model.state_dict();
        // c_attn: Conv1D(3·n_embd, n_embd) keeps [32, 96] in the file; the Linear holds [96, 32], its transpose.
        Assert.Equal(new long[] { 32, 96 }, stored["transformer.h.0.attn.c_attn.weight"].shape);
        Assert.Equal(new long[] { 96, 32 }, state["transformer.h.0.attn.c_attn.weight"].shape);
        Assert.Equal(new long[] { 40, 32 }, stored["transformer.h.1.mlp.c_proj.weight"].shape);
        foreach (var name in new[] { "transformer.h.0.attn.c_attn.weight", "transformer.h.2.attn.c_proj.weight", "transformer.h.1.mlp.c_fc.weight", "transformer.h.1.mlp.c_proj.weight" })
            Assert.True(GoldenFiles.Identical(stored[name].t(), state[name]), name);
        // Everything else, the untied lm_head included, is as stored.
        Assert.True(GoldenFiles.Identical(stored["lm_head.weight"], state["lm_head.weight"]));

        var saved = _tmp.File("saved");
        model.SavePretrained(saved);
        var written = ModelWeights.Load(saved);
        Assert.Equal(stored.Keys.Order(), written.Keys.Order());
        Assert.All(stored, kv => Assert.True(GoldenFiles.Identical(kv.Value, written[kv.Key]), $"{kv.Key} changed in the round trip"));
        Assert.Equal("GPT2LMHeadModel", PretrainedConfig.Load(saved).Architectures!.Single());
        Assert.Equal(ModelTask.CausalLm, TrainedModelTask.TryDetect(saved));
    }

    [Fact]
    public void A_lora_adapter_on_c_attn_records_fan_in_fan_out_keeps_peft_shapes_and_merges_into_the_transformers_layout()
    {
        var baseDir = Fixture("gpt2-tied-odd-heads", "causal");
        var options = new SequenceClassificationOptions { NumLabels = 3 };
        var (ids, mask) = Batch("gpt2-tied-odd-heads");
        manual_seed(11);
        var (classifier, _) = SequenceClassifierFactory.FromPretrained(baseDir, options);
        using var module = classifier.Module;
        var lora = LoraModel.Apply(classifier, new LoraOptions { R = 2, Alpha = 4 }, baseDir);
        Assert.All(lora.Layers, l => Assert.Matches(@"^transformer\.h\.\d+\.attn\.c_attn$", l.Path));
        Assert.True(lora.FanInFanOut);
        // PEFT's shapes for fan_in_fan_out: lora_A [r, in] and lora_B [out, r], as for a Linear.
        Assert.Equal(new long[] { 2, 24 }, lora.Layers[0].LoraA.weight!.shape);
        Assert.Equal(new long[] { 72, 2 }, lora.Layers[0].LoraB.weight!.shape);
        using (no_grad())
            foreach (var layer in lora.Layers) layer.LoraB.weight!.normal_(0, 0.5);
        classifier.Module.eval();
        Tensor Logits(ISequenceClassifier c) { using var g = no_grad(); return c.Forward(ids, mask, null); }
        var adapted = Logits(classifier);

        var adapterDir = _tmp.File("adapter");
        lora.SaveAdapter(adapterDir);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(adapterDir, AdapterConfig.FileName)))!;
        Assert.True(config["fan_in_fan_out"]!.GetValue<bool>());
        Assert.Equal(["c_attn"], config["target_modules"]!.AsArray().Select(n => n!.GetValue<string>()));
        var tensors = SafeTensors.ReadHeader(Path.Combine(adapterDir, AdapterFiles.WeightsFileName)).Tensors.ToDictionary(t => t.Name, t => t.Shape);
        Assert.Equal(new long[] { 72, 2 }, tensors["base_model.model.transformer.h.0.attn.c_attn.lora_B.weight"]);

        // Merged: W [out, in] += scale·B·A in memory, written back [in, out]; transformers' layout, the adapter's logits.
        var mergedDir = _tmp.File("merged");
        lora.SaveMerged(classifier, mergedDir);
        Assert.False(lora.IsMerged);
        Assert.Equal(new long[] { 24, 72 }, ModelWeights.ReadInfos(mergedDir).Single(i => i.Name == "transformer.h.0.attn.c_attn.weight").Shape);
        Assert.DoesNotContain(ModelWeights.ReadInfos(mergedDir), i => i.Name.Contains("lora_", StringComparison.Ordinal));
        var (merged, mergedReport) = SequenceClassifierFactory.FromPretrained(mergedDir, new SequenceClassificationOptions { RequireTrainedHead = true });
        using var mergedModule = merged.Module;
        Assert.True(mergedReport.IsClean, mergedReport.ToString());
        var mergedDiff = GoldenFiles.MaxAbsDiff(adapted, Logits(merged));

        // The adapter folder applied to a fresh base gives the same logits.
        var (reloaded, reloadedLora) = LoraModel.FromPretrained(baseDir, adapterDir, options);
        using var reloadedModule = reloaded.Module;
        Assert.True(reloadedLora.FanInFanOut);
        Assert.True(GoldenFiles.Identical(adapted, Logits(reloaded)));
        output.WriteLine($"merged vs adapter logits: max |diff| {mergedDiff:E2}");
        Assert.True(mergedDiff < 1e-5, $"merged model differs by {mergedDiff}");
    }

    [Fact]
    public void Reading_an_adapter_config_accepts_either_fan_in_fan_out_as_peft_does()
    {
        var baseDir = Fixture("gpt2-tied-odd-heads", "causal");
        var options = new SequenceClassificationOptions { NumLabels = 3 };
        var (classifier, _) = SequenceClassifierFactory.FromPretrained(baseDir, options);
        using var module = classifier.Module;
        var adapterDir = _tmp.File("adapter");
        LoraModel.Apply(classifier, new LoraOptions { R = 2 }, baseDir).SaveAdapter(adapterDir);
        // PEFT sets the flag per layer from its type (with a warning), so a false one on GPT-2 still loads there: here too.
        var path = Path.Combine(adapterDir, AdapterConfig.FileName);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"fan_in_fan_out\": true", "\"fan_in_fan_out\": false"));
        var (reloaded, lora) = LoraModel.FromPretrained(baseDir, adapterDir, options);
        using var reloadedModule = reloaded.Module;
        Assert.True(lora.FanInFanOut);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"fan_in_fan_out\": false", "\"fan_in_fan_out\": \"yes\""));
        Assert.Contains("fan_in_fan_out", Assert.Throws<PeftException>(() => LoraModel.FromPretrained(baseDir, adapterDir, options)).Message);
    }

    [Fact]
    public void Training_checkpoints_hold_the_transformers_layout_and_reload_in_place()
    {
        var (classifier, _) = SequenceClassifierFactory.FromPretrained(Fixture("gpt2-untied-scaled", "seq"), new SequenceClassificationOptions());
        using var module = classifier.Module;
        var checkpoint = _tmp.File("checkpoint-1");
        classifier.SavePretrained(checkpoint);
        Assert.Equal(new long[] { 32, 96 }, ModelWeights.ReadInfos(checkpoint).Single(i => i.Name == "transformer.h.0.attn.c_attn.weight").Shape);
        var before = classifier.Module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        using (no_grad())
            foreach (var p in classifier.Module.parameters()) p.add_(1.0f);
        ModuleWeights.LoadInto(classifier, checkpoint);
        Assert.All(classifier.Module.state_dict(), kv => Assert.True(GoldenFiles.Identical(before[kv.Key], kv.Value), kv.Key));
    }

    [Fact]
    public void Bottleneck_adapters_follow_the_attention_and_mlp_output_projections_of_every_block()
    {
        var (classifier, _) = SequenceClassifierFactory.FromPretrained(Fixture("gpt2-untied-scaled", "causal"), new SequenceClassificationOptions { NumLabels = 2 });
        using var module = classifier.Module;
        var adapters = BottleneckAdapterModel.Apply(classifier.Module, "gpt2", new BottleneckOptions { Variant = BottleneckVariant.Houlsby });
        Assert.Equal(
            Enumerable.Range(0, 3).SelectMany(i => new[] { $"transformer.h.{i}.attn.c_proj", $"transformer.h.{i}.mlp.c_proj" }).Order(),
            adapters.Layers.Select(l => l.Path).Order());
    }

    [Fact]
    public void Config_maps_gpt2_names_keeps_unknown_keys_and_refuses_what_is_not_implemented()
    {
        var config = (Gpt2Config)PretrainedConfig.FromJson("""
            {"model_type": "gpt2", "n_embd": 48, "n_layer": 3, "n_head": 6, "n_positions": 128, "vocab_size": 99,
             "summary_type": "cls_index", "summary_use_proj": true, "use_cache": true}
            """);
        Assert.Equal((48, 3, 6, 128, 192), (config.HiddenSize, config.NumHiddenLayers, config.NumAttentionHeads, config.MaxPositions, config.InnerSize));
        Assert.Equal(("gelu_new", true, 50256), (config.ActivationFunction, ModelArchitectures.For(config).TiesWordEmbeddings(config), config.EosTokenIds.Single()));
        var written = JsonNode.Parse(config.ToJson())!;
        Assert.Equal("cls_index", written["summary_type"]!.GetValue<string>());
        Assert.Equal(48, written["n_embd"]!.GetValue<int>());
        Assert.Null(written["hidden_size"]);

        foreach (var (json, field) in new[]
        {
            ("""{"model_type": "gpt2", "n_embd": 48, "n_head": 5}""", "n_head"),
            ("""{"model_type": "gpt2", "add_cross_attention": true}""", "add_cross_attention"),
            ("""{"model_type": "gpt2", "activation_function": "quick_gelu"}""", "activation_function"),
            ("""{"model_type": "gpt2", "n_inner": 0}""", "n_inner"),
            ("""{"model_type": "gpt2", "attn_pdrop": 1.5}""", "attn_pdrop"),
        })
            Assert.Contains($"field '{field}'", Assert.Throws<ModelConfigException>(() => PretrainedConfig.FromJson(json)).Message);
    }

    [Fact]
    public void An_input_past_n_positions_is_refused_with_the_limit_named()
    {
        var config = TinyModels.Gpt2();
        using var model = new CausalLanguageModel(config);
        using var ids = zeros(1, config.NPositions + 1, dtype: ScalarType.Int64);
        using var noGrad = no_grad();
        var error = Assert.Throws<ArgumentException>(() => model.Forward(ids));
        Assert.Contains("n_positions", error.Message);
        Assert.Contains($"{config.NPositions}", error.Message);
        using var fits = zeros(1, config.NPositions, dtype: ScalarType.Int64);
        using var logits = model.Forward(fits);
        Assert.Equal(new long[] { 1, config.NPositions, config.VocabSize }, logits.shape);
    }

    [Fact]
    public void Gradient_checkpointing_gives_the_same_loss_and_gradients()
    {
        manual_seed(5);
        using var model = new CausalLanguageModel(TinyModels.Gpt2(tied: false));
        model.train();
        using var ids = tensor(new long[] { 3, 9, 14, 2, 7, 7, 30, 1, 5, 11, 0, 0 }, [2, 6]);
        using var mask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 }, [2, 6]);
        Dictionary<string, Tensor> Gradients(bool checkpointing)
        {
            model.GradientCheckpointing = checkpointing;
            model.zero_grad();
            using var logits = model.Forward(ids, mask);
            using var loss = logits.square().mean();
            loss.backward();
            return model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        }
        var plain = Gradients(false);
        var checkpointed = Gradients(true);
        Assert.All(plain, kv => Assert.True(kv.Value.allclose(checkpointed[kv.Key], rtol: 1e-5, atol: 1e-7), kv.Key));
    }

    [SkippableFact]
    public void Upcast_attention_runs_under_bf16_autocast_and_leaves_autocast_as_it_was()
    {
        Skip.IfNot(CpuAutocast.IsAvailable, "the loaded libtorch has no autocast switches");
        var config = TinyModels.Gpt2();
        config.ReorderAndUpcastAttn = true;
        manual_seed(2);
        using var model = new CausalLanguageModel(config);
        model.eval();
        using var ids = tensor(new long[] { 3, 9, 14, 2, 7 }, [1, 5]);
        using var noGrad = no_grad();
        using var full = model.Forward(ids);
        Tensor mixed;
        using (CpuAutocast.Enter())
        {
            mixed = model.Forward(ids);
            Assert.Equal(ScalarType.BFloat16, CpuAutocast.ActiveDtype);
        }
        using (mixed)
        {
            // bf16 matrix products elsewhere: close to fp32, not equal.
            Assert.True(GoldenFiles.MaxAbsDiff(full, mixed.to_type(ScalarType.Float32)) < 0.1);
        }
        Assert.Null(CpuAutocast.ActiveDtype);
    }

    [Fact]
    public void Context_window_messages_name_the_key_the_config_uses()
    {
        var gpt2 = Assert.Throws<TuneSharpException>(() => new TuneSharp.Inference.GenerationOptions { MaxNewTokens = 100 }.Validate(TinyModels.Gpt2()));
        Assert.Contains("(n_positions in", gpt2.Message);
        var llama = Assert.Throws<TuneSharpException>(() => new TuneSharp.Inference.GenerationOptions { MaxNewTokens = 100 }.Validate(TinyModels.Llama()));
        Assert.Contains("(max_position_embeddings in", llama.Message);
    }
}
