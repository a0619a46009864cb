using System.Text.Json.Nodes;
using TuneSharp.Models;

namespace TuneSharp.Architectures.Bert;

/// <summary>
/// Config of a BERT encoder (<c>model_type: "bert"</c>); property defaults are HF's BertConfig defaults. RoBERTa's
/// config has the same fields (<see cref="Roberta.RobertaConfig"/> derives from this one).
/// </summary>
public class BertConfig : PretrainedConfig
{
    public BertConfig() => PadTokenId = 0;

    public override string ModelType => "bert";

    public override int VocabSize { get; set; } = 30522;
    public override int HiddenSize { get; set; } = 768;
    public override int NumHiddenLayers { get; set; } = 12;
    public override int NumAttentionHeads { get; set; } = 12;
    public int IntermediateSize { get; set; } = 3072;
    /// <summary>Activation of the feed-forward block: "gelu" (erf form), "gelu_new", "relu", ...</summary>
    public string HiddenAct { get; set; } = "gelu";
    public double HiddenDropoutProb { get; set; } = 0.1;
    public double AttentionProbsDropoutProb { get; set; } = 0.1;
    public int MaxPositionEmbeddings { get; set; } = 512;

    /// <inheritdoc/>
    public override int MaxPositions => MaxPositionEmbeddings;
    public int TypeVocabSize { get; set; } = 2;
    public override double InitializerRange { get; set; } = 0.02;
    public double LayerNormEps { get; set; } = 1e-12;
    /// <summary>Only "absolute" is implemented; relative_key variants are rejected at load.</summary>
    public string PositionEmbeddingType { get; set; } = "absolute";

    /// <summary>Size of one attention head (hidden_size / num_attention_heads).</summary>
    public int HeadDim => HiddenSize / NumAttentionHeads;

    protected override void ReadFields(ConfigReader r)
    {
        VocabSize = r.Int("vocab_size", VocabSize);
        HiddenSize = r.Int("hidden_size", HiddenSize);
        NumHiddenLayers = r.Int("num_hidden_layers", NumHiddenLayers);
        NumAttentionHeads = r.Int("num_attention_heads", NumAttentionHeads);
        IntermediateSize = r.Int("intermediate_size", IntermediateSize);
        HiddenAct = r.String("hidden_act", HiddenAct);
        HiddenDropoutProb = r.Double("hidden_dropout_prob", HiddenDropoutProb);
        AttentionProbsDropoutProb = r.Double("attention_probs_dropout_prob", AttentionProbsDropoutProb);
        MaxPositionEmbeddings = r.Int("max_position_embeddings", MaxPositionEmbeddings);
        TypeVocabSize = r.Int("type_vocab_size", TypeVocabSize);
        InitializerRange = r.Double("initializer_range", InitializerRange);
        LayerNormEps = r.Double("layer_norm_eps", LayerNormEps);
        PositionEmbeddingType = r.String("position_embedding_type", PositionEmbeddingType);
    }

    protected override void WriteFields(JsonObject json)
    {
        json["vocab_size"] = VocabSize;
        json["hidden_size"] = HiddenSize;
        json["num_hidden_layers"] = NumHiddenLayers;
        json["num_attention_heads"] = NumAttentionHeads;
        json["intermediate_size"] = IntermediateSize;
        json["hidden_act"] = HiddenAct;
        json["hidden_dropout_prob"] = HiddenDropoutProb;
        json["attention_probs_dropout_prob"] = AttentionProbsDropoutProb;
        json["max_position_embeddings"] = MaxPositionEmbeddings;
        json["type_vocab_size"] = TypeVocabSize;
        json["initializer_range"] = InitializerRange;
        json["layer_norm_eps"] = LayerNormEps;
        json["position_embedding_type"] = PositionEmbeddingType;
    }

    protected override void Validate(ConfigReader r)
    {
        if (NumAttentionHeads <= 0 || HiddenSize % NumAttentionHeads != 0)
            throw r.Error("num_attention_heads", $"({NumAttentionHeads}) must divide hidden_size ({HiddenSize})");
        if (PositionEmbeddingType != "absolute")
            throw r.Error("position_embedding_type", $"is \"{PositionEmbeddingType}\"; only \"absolute\" is implemented");
        Activations.Validate(HiddenAct, r, "hidden_act");
    }
}
