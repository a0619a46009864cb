using TuneSharp.Architectures.Llama;
using TuneSharp.Models;
using TuneSharp.Tasks.CausalLm;
using TuneSharp.Tests.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Architectures;

/// <summary>
/// What the Llama family's golden fixtures cannot show: Llama 3.1's rope rescaling (transformers 4.40 predates it), the
/// sliding window's reach, and the configs' refusals. DecoderGoldenTests covers everything transformers 4.40 can compute.
/// </summary>
public sealed class LlamaVariantTests
{
    private static PretrainedConfig LoadJson(TempDir dir, string json)
    {
        File.WriteAllText(dir.File("config.json"), json);
        return PretrainedConfig.Load(dir.Path);
    }

    private const string Llama31Scaling =
        """{"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}""";

    [Fact]
    public void Llama3_rope_keeps_high_frequencies_divides_low_ones_and_blends_between()
    {
        using var dir = new TempDir();
        // Llama 3.1 8B's rotary settings: rope_theta 500000, head_dim 128.
        var config = (LlamaConfig)LoadJson(dir, $$"""{"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32, "rope_theta": 500000.0, "rope_scaling": {{Llama31Scaling}}}""");
        var scaled = config.RopeInverseFrequencies();
        var plain = RopeScaling.Frequencies(500000.0, 128);
        Assert.Equal(64, scaled.Length);
        // Wavelength 2π/f below 8192/4 = 2048 tokens: kept (i = 0..28); above 8192/1: divided by 8 (i = 35..63).
        for (var i = 0; i <= 28; i++) Assert.Equal(plain[i], scaled[i]);
        for (var i = 35; i < 64; i++) Assert.Equal(plain[i] / 8, scaled[i], 15);
        // i = 32: f = 500000^(-1/2) = 1.41421e-3, wavelength 4442.88; smooth = (8192/4442.88 − 1)/(4 − 1) = 0.281283;
        // (1 − 0.281283)·f/8 + 0.281283·f = 1.27052e-4 + 3.97795e-4 = 5.24846e-4.
        Assert.Equal(5.248461609929547e-4, scaled[32], 12);
        Assert.Equal(1.4142135623730951e-3, plain[32], 15);
        // Monotone: rescaling never reorders the frequencies.
        for (var i = 1; i < 64; i++) Assert.True(scaled[i] < scaled[i - 1], $"frequency {i} is not below frequency {i - 1}");
    }

    [Fact]
    public void A_llama3_scaled_model_runs_and_differs_from_the_unscaled_one_only_by_its_rotary_frequencies()
    {
        var plain = TinyModels.Llama(tied: false);
        plain.HiddenSize = 32;
        plain.RopeTheta = 500000.0;
        var scaled = TinyModels.Llama(tied: false);
        scaled.HiddenSize = 32;
        scaled.RopeTheta = 500000.0;
        // A short original context, so that this tiny head (D = 8) has frequencies in all three bands.
        scaled.RopeScaling = System.Text.Json.Nodes.JsonNode.Parse(
            """{"rope_type": "llama3", "factor": 4.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 64}""")!.AsObject();
        var frequencies = scaled.RopeInverseFrequencies();
        Assert.NotEqual(RopeScaling.Frequencies(500000.0, 8), frequencies);
        manual_seed(3);
        using var a = new CausalLanguageModel(plain);
        using var b = new CausalLanguageModel(scaled);
        b.load_state_dict(a.state_dict());
        using var noGrad = no_grad();
        using var ids = GoldenFiles.LongTensor([1, 5, 9, 2, 7, 3, 11, 4]);
        using var first = a.Forward(ids.narrow(1, 0, 1));
        using var firstScaled = b.Forward(ids.narrow(1, 0, 1));
        // Position 0 has angle 0 at every frequency, so one token gives the same logits; later positions do not.
        Assert.True(GoldenFiles.MaxAbsDiff(first, firstScaled) < 1e-6);
        Assert.True(GoldenFiles.MaxAbsDiff(a.Forward(ids), b.Forward(ids)) > 1e-4);
    }

    [Fact]
    public void Mistral_tokens_beyond_the_window_do_not_reach_a_one_layer_model()
    {
        var config = TinyModels.LlamaVariant("mistral"); // sliding_window 3: a token sees itself and the 3 before it
        config.NumHiddenLayers = 1;
        manual_seed(5);
        using var model = new CausalLanguageModel(config);
        model.eval();
        using var noGrad = no_grad();
        using var ids = GoldenFiles.LongTensor([1, 5, 9, 2, 7, 3, 11, 4]);
        using var changed = ids.clone();
        changed[0, 0] = tensor(30L);
        var (before, after) = (model.Forward(ids)[0], model.Forward(changed)[0]);
        // Positions 0..3 see token 0; from position 4 on it is outside the window.
        for (var position = 0; position < 8; position++)
        {
            var diff = GoldenFiles.MaxAbsDiff(before[position], after[position]);
            if (position <= 3) Assert.True(diff > 1e-5, $"position {position} should see token 0 (diff {diff})");
            else Assert.True(diff == 0, $"position {position} is outside the window but changed by {diff}");
        }
    }

    [Fact]
    public void Windowed_generation_with_the_cache_matches_recomputing_the_whole_sequence()
    {
        var config = TinyModels.LlamaVariant("mistral");
        manual_seed(9);
        using var model = new CausalLanguageModel(config);
        model.eval();
        using var noGrad = no_grad();
        int[] sequence = [1, 5, 9, 2, 7, 3, 11, 4, 6, 8];
        using var full = model.Forward(GoldenFiles.LongTensor(sequence))[0];
        using var cache = model.CreateCache();
        double worst = 0;
        for (var step = 0; step < sequence.Length; step++)
        {
            using var logits = model.Forward(GoldenFiles.LongTensor([sequence[step]]), cache: cache)[0, 0];
            worst = Math.Max(worst, GoldenFiles.MaxAbsDiff(full[step], logits));
        }
        Assert.True(worst < 1e-5, $"cached windowed decoding differs by {worst}");
    }

    [Fact]
    public void Configs_refuse_what_they_cannot_run_naming_the_field()
    {
        using var dir = new TempDir();
        var qwenWindow = Assert.Throws<ModelConfigException>(() => LoadJson(dir, """{"model_type": "qwen2", "use_sliding_window": true}"""));
        Assert.Contains("'use_sliding_window'", qwenWindow.Message);
        var mistralBias = Assert.Throws<ModelConfigException>(() => LoadJson(dir, """{"model_type": "mistral", "attention_bias": true}"""));
        Assert.Contains("'attention_bias'", mistralBias.Message);
        var window = Assert.Throws<ModelConfigException>(() => LoadJson(dir, """{"model_type": "mistral", "sliding_window": 0}"""));
        Assert.Contains("'sliding_window'", window.Message);
        var dynamic = Assert.Throws<ModelConfigException>(() => LoadJson(dir, """{"model_type": "llama", "rope_scaling": {"type": "dynamic", "factor": 0.5}}"""));
        Assert.Contains("factor >= 1", dynamic.Message);
        var llama3 = Assert.Throws<ModelConfigException>(() => LoadJson(dir, """{"model_type": "llama", "rope_scaling": {"rope_type": "llama3", "factor": 8.0}}"""));
        Assert.Contains("low_freq_factor", llama3.Message);
        var yarn = Assert.Throws<ModelConfigException>(() => LoadJson(dir, """{"model_type": "qwen2", "rope_scaling": {"rope_type": "yarn", "factor": 4.0}}"""));
        Assert.Contains("llama3", yarn.Message);
    }

    [Fact]
    public void Configs_read_their_defaults_and_write_only_their_own_keys()
    {
        using var dir = new TempDir();
        var mistral = (MistralConfig)LoadJson(dir, """{"model_type": "mistral", "sliding_window": null}""");
        Assert.Null(mistral.SlidingWindow(0));
        Assert.Equal((32000, 8, 1, 2), (mistral.VocabSize, mistral.NumKeyValueHeads, mistral.BosTokenId, mistral.EosTokenIds.Single()));
        var qwen = (Qwen2Config)LoadJson(dir, """{"model_type": "qwen2"}""");
        Assert.Equal((151936, true, false, null), (qwen.VocabSize, qwen.QkvBias, qwen.OutputProjectionBias, qwen.SlidingWindow(0)));
        using var saved = new TempDir();
        qwen.Save(saved.Path);
        var json = File.ReadAllText(saved.File("config.json"));
        Assert.DoesNotContain("attention_bias", json);
        Assert.Contains("\"use_sliding_window\": false", json);
        var dynamic = (LlamaConfig)LoadJson(dir, """{"model_type": "llama", "max_position_embeddings": 2048, "rope_scaling": {"type": "dynamic", "factor": 2.0}}""");
        Assert.Equal(4096, dynamic.MaxPositions);
    }
}
