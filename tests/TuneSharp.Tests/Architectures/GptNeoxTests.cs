using TuneSharp.Architectures;
using TuneSharp.Architectures.GptNeox;
using TuneSharp.Checkpoints;
using TuneSharp.Models;
using TuneSharp.Peft;
using TuneSharp.Peft.Freeze;
using TuneSharp.Peft.Lora;
using TuneSharp.Tasks.CausalLm;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tests.Models;
using TuneSharp.Tests.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Architectures;

/// <summary>
/// What GPT-NeoX adds beyond the golden outputs (<see cref="DecoderGoldenTests"/>) and the invariants every architecture
/// passes: its config's defaults and refusals, the KV cache on a left-padded batch for both residual layouts, gradient
/// checkpointing with dropout, the buffers older checkpoints persisted, and where PEFT and the planner find its parts.
/// </summary>
[Collection(TorchRandomCollection.Name)]
public sealed class GptNeoxTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static string FixtureFolder(string shape, string part) =>
        Path.Combine(AppContext.BaseDirectory, "Architectures", "Fixtures", "gpt_neox", shape, part);

    [Fact]
    public void An_empty_config_has_transformers_defaults()
    {
        var config = (GptNeoxConfig)PretrainedConfig.FromJson("""{"model_type": "gpt_neox"}""");
        Assert.Equal((0.25, 10000.0, true, false, true), (config.RotaryPct, config.RotaryEmbBase, config.UseParallelResidual, config.TieWordEmbeddings, config.AttentionBias));
        Assert.Equal((0, 2, 0.1, "gelu"), (config.BosTokenId, config.EosTokenIds.Single(), config.ClassifierDropout, config.HiddenAct));
        Assert.Equal(96 * 0.25, config.RotaryDims); // head_dim 6144 / 64 = 96
        Assert.Equal(2048, config.MaxPositions);
    }

    [Fact]
    public void Config_round_trips_through_config_json()
    {
        var config = TinyModels.GptNeox(parallelResidual: false, tied: true, dropout: 0.1);
        config.RopeScaling = new System.Text.Json.Nodes.JsonObject { ["type"] = "linear", ["factor"] = 2.0 };
        var again = (GptNeoxConfig)PretrainedConfig.FromJson(config.ToJson());
        Assert.Equal(config.ToJson(), again.ToJson());
        Assert.Equal(("linear", 2.0, false, true, 0.1), (again.RopeScalingType, again.RopeScalingFactor, again.UseParallelResidual, again.TieWordEmbeddings, again.HiddenDropout));
    }

    [Theory]
    [InlineData("""{"rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 64}}""", "rope_scaling", "llama3")]
    [InlineData("""{"rope_scaling": {"type": "dynamic", "factor": 0.5}}""", "rope_scaling", "factor >= 1")]
    [InlineData("""{"rope_scaling": {"type": "yarn", "factor": 2.0}}""", "rope_scaling", "yarn")]
    [InlineData("""{"rope_scaling": {"type": "linear"}}""", "rope_scaling", "factor")]
    [InlineData("""{"hidden_size": 24, "num_attention_heads": 2, "rotary_pct": 0.25}""", "rotary_pct", "3 rotary dimensions")]
    [InlineData("""{"rotary_pct": 1.5}""", "rotary_pct", "between 0 and 1")]
    [InlineData("""{"hidden_size": 30, "num_attention_heads": 4}""", "num_attention_heads", "divide")]
    [InlineData("""{"hidden_act": "quick_gelu"}""", "hidden_act", "quick_gelu")]
    [InlineData("""{"hidden_dropout": 1.0}""", "hidden_dropout", "probability")]
    public void Unsupported_values_are_refused_naming_the_field(string fields, string field, string detail)
    {
        var json = fields.Replace("{", """{"model_type": "gpt_neox", """, StringComparison.Ordinal);
        var error = Assert.Throws<ModelConfigException>(() => PretrainedConfig.FromJson(json, "config.json"));
        Assert.Contains($"field '{field}'", error.Message);
        Assert.Contains(detail, error.Message);
    }

    /// <summary>A prefill of a left-padded batch, then one token at a time: the logits of recomputing everything.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Kv_cache_steps_give_the_logits_of_the_full_left_padded_batch(bool parallelResidual)
    {
        manual_seed(5);
        using var model = new CausalLanguageModel(TinyModels.GptNeox(parallelResidual));
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 0, 0, 0, 5, 6, 7, 8, 9, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, [2, 9]);
        var mask = tensor(new long[] { 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }, [2, 9]);
        var full = model.Forward(ids, mask);

        using var cache = model.CreateCache();
        var prefill = model.Forward(ids[.., ..5], mask[.., ..5], cache: cache);
        Assert.True(GoldenFiles.MaxAbsDiff(full[1, ..5], prefill[1]) <= 1e-5);
        Assert.True(GoldenFiles.MaxAbsDiff(full[0, 3..5], prefill[0, 3..]) <= 1e-5);
        for (var t = 5; t < 9; t++)
        {
            var step = model.Forward(ids[.., t..(t + 1)], mask[.., ..(t + 1)], cache: cache);
            var diff = GoldenFiles.MaxAbsDiff(full[.., t..(t + 1)], step);
            Assert.True(diff <= 1e-5, $"step {t}: max |diff| {diff}");
        }
        Assert.Equal(new long[] { 2, 4, 9, 4 }, cache.Keys(0)!.shape);
    }

    /// <summary>Checkpointed layers recompute with the same dropout masks: the same loss and gradients as without it.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Gradient_checkpointing_with_dropout_gives_the_same_loss_and_gradients(bool parallelResidual)
    {
        var config = TinyModels.GptNeox(parallelResidual, dropout: 0.2);
        config.NumHiddenLayers = 3;
        SequenceClassificationConfig.Apply(config, new SequenceClassificationOptions { NumLabels = 3 });
        manual_seed(2);
        using var model = new LastTokenClassifier(config);
        var plain = LossAndGradients(model, checkpointing: false, seed: 11);
        var recomputed = LossAndGradients(model, checkpointing: true, seed: 11);
        Assert.Equal(plain.Loss, recomputed.Loss);
        Assert.Equal(model.named_parameters().Count(), plain.Grads.Count);
        foreach (var (name, grad) in plain.Grads)
            Assert.True(GoldenFiles.Identical(grad, recomputed.Grads[name]), $"{name}: max diff {GoldenFiles.MaxAbsDiff(grad, recomputed.Grads[name])}");
        Assert.NotEqual(plain.Loss, LossAndGradients(model, checkpointing: true, seed: 12).Loss); // dropout was active
    }

    private static (float Loss, Dictionary<string, Tensor> Grads) LossAndGradients(LastTokenClassifier model, bool checkpointing, int seed)
    {
        model.GradientCheckpointing = checkpointing;
        model.train();
        foreach (var p in model.parameters()) p.grad = null;
        manual_seed(seed);
        var ids = tensor(new long[] { 5, 9, 12, 7, 3, 8, 7, 3, 8, 2, 0, 0 }, [2, 6]);
        var mask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 }, [2, 6]);
        var loss = nn.functional.cross_entropy(model.Forward(ids, mask, null), tensor(new long[] { 0, 2 }));
        loss.backward();
        return (loss.item<float>(), model.named_parameters().Where(p => p.parameter.grad is not null).ToDictionary(p => p.name, p => p.parameter.grad!.clone()));
    }

    /// <summary>The original Pythia files persist the causal mask, its fill value and the rotary frequencies; they are computed instead.</summary>
    [Fact]
    public void Buffers_older_checkpoints_persisted_and_a_causal_head_load_without_complaint()
    {
        var dir = _tmp.File("old-pythia");
        Directory.CreateDirectory(dir);
        var source = FixtureFolder("pythia", "causal");
        File.Copy(Path.Combine(source, "config.json"), Path.Combine(dir, "config.json"));
        var tensors = ModelWeights.Load(source);
        for (var layer = 0; layer < 2; layer++)
        {
            tensors[$"gpt_neox.layers.{layer}.attention.bias"] = ones(1, 1, 64, 64).tril();
            tensors[$"gpt_neox.layers.{layer}.attention.masked_bias"] = tensor(-1e9f);
            tensors[$"gpt_neox.layers.{layer}.attention.rotary_emb.inv_freq"] = ones(2);
        }
        ModelWeights.Save(dir, tensors);

        var (causal, report) = AutoModelForCausalLM.FromPretrained(dir);
        using (causal) Assert.True(report.IsClean, report.ToString());
        // A classifier from a causal checkpoint: only its new head is missing; embed_out is expected to be left out.
        var (classifier, classifierReport) = SequenceClassifierFactory.FromPretrained(dir, new SequenceClassificationOptions { NumLabels = 2 });
        using (classifier.Module)
        {
            Assert.Empty(classifierReport.UnexpectedKeys);
            Assert.Equal(["score.weight"], classifierReport.MissingKeys);
        }
    }

    [Fact]
    public void Peft_and_the_planner_find_the_layers_the_projections_and_the_embeddings()
    {
        var registration = ModelArchitectures.Find("gpt_neox")!;
        Assert.Equal(3, ModelArchitectures.LayerIndex("gpt_neox.layers.3.attention.dense.weight"));
        var houlsby = PeftLayout.BottleneckSites("gpt_neox", TuneSharp.Peft.Bottleneck.BottleneckVariant.Houlsby);
        Assert.True(houlsby.IsMatch("gpt_neox.layers.0.attention.dense"));
        Assert.True(houlsby.IsMatch("gpt_neox.layers.1.mlp.dense_4h_to_h"));
        Assert.False(houlsby.IsMatch("gpt_neox.layers.0.attention.query_key_value"));

        var config = TinyModels.GptNeox();
        SequenceClassificationConfig.Apply(config, new SequenceClassificationOptions { NumLabels = 2 });
        using var model = new LastTokenClassifier(config);
        var lora = LoraModel.Apply(model, new LoraOptions { R = 2 });
        Assert.Equal(["gpt_neox.layers.0.attention.query_key_value", "gpt_neox.layers.1.attention.query_key_value"], lora.Layers.Select(l => l.Path).Order());
        using var other = new LastTokenClassifier(config);
        Assert.Equal(["gpt_neox.embed_in.weight"], Freezing.Apply(other, new FreezeOptions { FreezeEmbeddings = true }));

        // Per layer: the sequential residual keeps LN₂'s own input; hidden dropout its two masks (and the embeddings' one).
        LayerActivations Count(bool parallel, double dropout) => registration.Activations(TinyModels.GptNeox(parallel, dropout: dropout), 2, 8);
        long tokensByHidden = 2 * 8 * 16;
        Assert.Equal(tokensByHidden, Count(false, 0).Saved - Count(true, 0).Saved);
        Assert.Equal(2 * tokensByHidden + 3 * 2 * 4 * 8 * 8 - 2 * 4 * 8, Count(true, 0.1).Saved - Count(true, 0).Saved);
        Assert.Equal((0, tokensByHidden), (Count(true, 0).Embeddings, Count(true, 0.1).Embeddings));
    }
}
