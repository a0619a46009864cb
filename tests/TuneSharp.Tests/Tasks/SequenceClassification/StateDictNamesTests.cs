using TuneSharp.Tasks.CausalLm;
using TuneSharp.Architectures.Bert;
using TuneSharp.Architectures.Llama;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tests.Models;

namespace TuneSharp.Tests.Tasks.SequenceClassification;

/// <summary>Parameter names are exactly transformers' so checkpoints move both ways.</summary>
public class StateDictNamesTests
{
    [Fact]
    public void BertKeysAreTheEncoderUnderBertPlusTheClassifier()
    {
        using var model = TinyClassifiers.Bert(new() { NumLabels = 3 });
        var keys = model.state_dict().Keys.ToList();
        Assert.Contains("bert.embeddings.word_embeddings.weight", keys);
        Assert.Contains("bert.embeddings.position_embeddings.weight", keys);
        Assert.Contains("bert.embeddings.LayerNorm.weight", keys);
        Assert.Contains("bert.encoder.layer.0.attention.self.query.weight", keys);
        Assert.Contains("bert.encoder.layer.1.attention.output.LayerNorm.bias", keys);
        Assert.Contains("bert.encoder.layer.1.intermediate.dense.weight", keys);
        Assert.Contains("bert.encoder.layer.1.output.dense.bias", keys);
        Assert.Contains("bert.pooler.dense.weight", keys);

        // Everything else is the head: exactly classifier.weight and classifier.bias.
        using var bare = new TuneSharp.Architectures.Bert.BertModel(TinyModels.Bert());
        var expected = bare.state_dict().Keys.Select(k => "bert." + k).Append("classifier.weight").Append("classifier.bias").ToList();
        Assert.Equal(expected.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
        Assert.Equal(new long[] { 3, 16 }, model.state_dict()["classifier.weight"].shape);
        Assert.Equal(new long[] { 3 }, model.state_dict()["classifier.bias"].shape);
    }

    [Fact]
    public void LlamaKeysAreTheDecoderUnderModelPlusScoreWithoutBiasOrLmHead()
    {
        using var model = TinyClassifiers.Llama(new() { NumLabels = 4 });
        var keys = model.state_dict().Keys.ToList();
        Assert.Contains("model.embed_tokens.weight", keys);
        Assert.Contains("model.layers.0.self_attn.q_proj.weight", keys);
        Assert.Contains("model.layers.1.self_attn.o_proj.weight", keys);
        Assert.Contains("model.layers.1.mlp.gate_proj.weight", keys);
        Assert.Contains("model.layers.0.input_layernorm.weight", keys);
        Assert.Contains("model.layers.0.post_attention_layernorm.weight", keys);
        Assert.Contains("model.norm.weight", keys);
        Assert.Contains("score.weight", keys);
        Assert.DoesNotContain("score.bias", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("lm_head", StringComparison.Ordinal));

        using var causal = new CausalLanguageModel(TinyModels.Llama(tied: true));
        var expected = causal.state_dict().Keys.Append("score.weight").ToList();
        Assert.Equal(expected.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
        Assert.Equal(new long[] { 4, 16 }, model.state_dict()["score.weight"].shape);
    }
}
