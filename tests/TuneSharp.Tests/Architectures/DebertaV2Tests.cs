using System.Text.Json.Nodes;
using TuneSharp.Architectures;
using TuneSharp.Architectures.DebertaV2;
using TuneSharp.Models;
using TuneSharp.Planning;
using TuneSharp.Tests.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Architectures;

/// <summary>
/// DeBERTa-v2/v3 beyond the golden fixtures (<see cref="EncoderGoldenTests"/>): how its config.json is read and written
/// (the forms transformers accepts, the values TuneSharp refuses, naming the field), transformers' log buckets on
/// known distances, the input lengths it takes, and what the planner counts for its attention.
/// </summary>
public sealed class DebertaV2Tests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    // The keys and values of microsoft/deberta-v3-base's config.json (a string pos_att_type, buckets, shared keys, no token types).
    private const string V3Base = """
        {
          "model_type": "deberta-v2", "attention_probs_dropout_prob": 0.1, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
          "hidden_size": 768, "initializer_range": 0.02, "intermediate_size": 3072, "max_position_embeddings": 512,
          "relative_attention": true, "position_buckets": 256, "norm_rel_ebd": "layer_norm", "share_att_key": true,
          "pos_att_type": "p2c|c2p", "layer_norm_eps": 1e-7, "max_relative_positions": -1, "position_biased_input": false,
          "num_attention_heads": 12, "num_hidden_layers": 12, "type_vocab_size": 0, "vocab_size": 128100
        }
        """;

    private DebertaV2Config Load(string json, string name = "config")
    {
        var dir = _tmp.File(name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), json);
        return Assert.IsType<DebertaV2Config>(PretrainedConfig.Load(dir));
    }

    private static string With(string json, string key, string value)
    {
        var obj = JsonNode.Parse(json)!.AsObject();
        obj[key] = JsonNode.Parse(value);
        return obj.ToJsonString();
    }

    [Fact]
    public void The_v3_base_config_reads_with_its_string_pos_att_type_and_saves_it_as_transformers_does()
    {
        var config = Load(V3Base);
        Assert.Equal(["p2c", "c2p"], config.PosAttType);
        Assert.Equal((true, 256, 512, 256, 3), (config.RelativeAttention, config.PositionBuckets, config.EffectiveMaxRelativePositions, config.AttentionSpan, config.ScaleFactor));
        Assert.Equal((false, true, true, 0, 768), (config.PositionBiasedInput, config.ShareAttKey, config.NormalizesRelativeEmbeddings, config.TypeVocabSize, config.EmbeddingWidth));
        var saved = _tmp.File("saved");
        config.Save(saved);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(saved, "config.json")))!;
        Assert.Equal(["p2c", "c2p"], json["pos_att_type"]!.AsArray().Select(n => n!.GetValue<string>()));
        // Keys the file did not have and transformers reads with getattr stay out (transformers would read the same defaults).
        Assert.Null(json["embedding_size"]);
        Assert.Null(json["attention_head_size"]);
        Assert.Null(json["cls_dropout"]);
        Assert.Equal(config.ToJson(), Load(File.ReadAllText(Path.Combine(saved, "config.json")), "reloaded").ToJson());
    }

    [Theory]
    [InlineData("pos_att_type", "[\"c2p\", \"p2p\"]", "\"p2p\"")]
    [InlineData("pos_att_type", "\"c2p|p2p\"", "\"p2p\"")]
    [InlineData("pos_att_type", "3", "list of strings")]
    [InlineData("norm_rel_ebd", "\"batch_norm\"", "\"batch_norm\"")]
    [InlineData("pooler_hidden_size", "512", "hidden_size (768)")]
    [InlineData("attention_head_size", "32", "must equal hidden_size")]
    [InlineData("position_buckets", "1100", "max_relative_positions")]
    [InlineData("hidden_act", "\"mish\"", "supported activations")]
    [InlineData("pooler_hidden_act", "\"mish\"", "supported activations")]
    [InlineData("embedding_size", "0", "positive")]
    public void Unsupported_values_are_refused_naming_the_field(string field, string value, string expected)
    {
        var error = Assert.Throws<ModelConfigException>(() => Load(With(V3Base, field, value)));
        Assert.Contains($"field '{field}'", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("conv_kernel_size", "4", "must be odd")]
    [InlineData("conv_groups", "5", "must divide hidden_size")]
    [InlineData("conv_act", "\"mish\"", "supported activations")]
    public void A_convolution_must_keep_the_length_and_fit_the_width(string field, string value, string expected)
    {
        var withConvolution = With(V3Base, "conv_kernel_size", "3");
        var error = Assert.Throws<ModelConfigException>(() => Load(With(withConvolution, field, value)));
        Assert.Contains($"field '{field}'", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_tanh_pooler_and_convolution_are_accepted()
    {
        var config = Load(With(With(With(V3Base, "conv_kernel_size", "3"), "conv_act", "\"tanh\""), "pooler_hidden_act", "\"tanh\""));
        Assert.Equal(("tanh", "tanh", 3), (config.ConvAct, config.PoolerHiddenAct, config.ConvKernelSize));
    }

    /// <summary>transformers' make_log_bucket_position(·, 256, 512): distances up to 128 stay, longer ones compress logarithmically.</summary>
    [Fact]
    public void Log_buckets_keep_near_distances_and_compress_far_ones_as_transformers()
    {
        using var distances = tensor(new long[] { 0, 1, -1, 127, 128, -128, 129, 200, -300, 511, 1000 });
        using var buckets = DebertaV2RelativePositions.LogBucket(distances, 256, 512);
        // What transformers 4.40's make_log_bucket_position returns for these distances.
        Assert.Equal([0L, 1, -1, 127, 128, -128, 129, 169, -207, 255, 317], buckets.data<long>().ToArray());
    }

    [Fact]
    public void Relative_only_models_take_inputs_past_max_position_embeddings_and_absolute_ones_do_not()
    {
        var relative = TinyModels.DebertaV2(dropout: 0.0);
        using var relativeModel = new DebertaV2Model(relative);
        using var longInput = ones(1, relative.MaxPositionEmbeddings + 8, dtype: ScalarType.Int64);
        using (no_grad())
        using (var hidden = relativeModel.forward(longInput))
            Assert.Equal(new long[] { 1, relative.MaxPositionEmbeddings + 8, relative.HiddenSize }, hidden.shape);

        var absolute = TinyModels.DebertaV2(dropout: 0.0);
        absolute.PositionBiasedInput = true;
        using var absoluteModel = new DebertaV2Model(absolute);
        var error = Assert.Throws<ArgumentException>(() => absoluteModel.forward(longInput));
        Assert.Contains("max_position_embeddings", error.Message);
    }

    /// <summary>Without a fused kernel the probabilities are kept even without attention dropout, and the relative terms widen the backward pass.</summary>
    [Fact]
    public void The_planner_counts_the_written_out_attention()
    {
        var config = TinyModels.DebertaV2(dropout: 0.0);
        config.HiddenSize = 64;
        config.IntermediateSize = 128;
        config.PositionBuckets = 256;
        config.MaxRelativePositions = 512;
        var shape = ModelArchitectures.For(config).Activations(config, 2, 128);
        long tokens = 2 * 128, squares = 2 * 4 * 128 * 128, rows = 512;
        Assert.Equal(10 * tokens * 64 + 2 * tokens * 128 + squares + rows * 64 * 3, shape.Saved);
        Assert.Equal(2L * 4 * 128 * rows, shape.Widest); // the c2p / p2c scores before the gather
        var longer = ActivationMemory.PeakBytes(config, 2, 512, config.NumHiddenLayers, false)!.Value;
        var shorter = ActivationMemory.PeakBytes(config, 2, 128, config.NumHiddenLayers, false)!.Value;
        Assert.True(longer > 4.5 * shorter, $"{longer} vs {shorter}: the S² probabilities make it grow faster than the length");
    }
}
