using System.Text.Json.Nodes;
using TuneSharp.Models;

namespace TuneSharp.Architectures.DistilBert;

/// <summary>
/// Config of a DistilBERT encoder (<c>model_type: "distilbert"</c>) with transformers' DistilBertConfig keys and defaults:
/// <c>dim</c>, <c>n_layers</c>, <c>n_heads</c>, <c>hidden_dim</c>, <c>dropout</c>, <c>attention_dropout</c>, and the
/// heads' own <c>seq_classif_dropout</c> and <c>qa_dropout</c>.
/// </summary>
public sealed class DistilBertConfig : PretrainedConfig
{
    public DistilBertConfig() => PadTokenId = 0;

    /// <inheritdoc/>
    public override string ModelType => "distilbert";

    public override int VocabSize { get; set; } = 30522;
    /// <summary>Hidden width (<c>dim</c>).</summary>
    public override int HiddenSize { get; set; } = 768;
    /// <summary>Layers (<c>n_layers</c>).</summary>
    public override int NumHiddenLayers { get; set; } = 6;
    /// <summary>Attention heads (<c>n_heads</c>).</summary>
    public override int NumAttentionHeads { get; set; } = 12;
    /// <summary>Feed-forward width (<c>hidden_dim</c>).</summary>
    public int HiddenDim { get; set; } = 3072;
    public int MaxPositionEmbeddings { get; set; } = 512;
    /// <summary>Fixed sinusoidal position embeddings instead of learned ones; only false (every released checkpoint) is implemented.</summary>
    public bool SinusoidalPosEmbds { get; set; }
    /// <summary>Dropout on embeddings and the feed-forward output (<c>dropout</c>).</summary>
    public double Dropout { get; set; } = 0.1;
    public double AttentionDropout { get; set; } = 0.1;
    /// <summary>Feed-forward activation: "gelu" or "relu" in transformers' DistilBERT.</summary>
    public string Activation { get; set; } = "gelu";
    public override double InitializerRange { get; set; } = 0.02;
    /// <summary>Dropout before <c>qa_outputs</c>.</summary>
    public double QaDropout { get; set; } = 0.1;
    /// <summary>Dropout between <c>pre_classifier</c> and <c>classifier</c> of the sequence classifier.</summary>
    public double SeqClassifDropout { get; set; } = 0.2;

    /// <inheritdoc/>
    public override int MaxPositions => MaxPositionEmbeddings;

    /// <summary>Size of one attention head (dim / n_heads).</summary>
    public int HeadDim => HiddenSize / NumAttentionHeads;

    protected override void ReadFields(ConfigReader r)
    {
        VocabSize = r.Int("vocab_size", VocabSize);
        HiddenSize = r.Int("dim", HiddenSize);
        NumHiddenLayers = r.Int("n_layers", NumHiddenLayers);
        NumAttentionHeads = r.Int("n_heads", NumAttentionHeads);
        HiddenDim = r.Int("hidden_dim", HiddenDim);
        MaxPositionEmbeddings = r.Int("max_position_embeddings", MaxPositionEmbeddings);
        SinusoidalPosEmbds = r.Bool("sinusoidal_pos_embds", SinusoidalPosEmbds);
        Dropout = r.Double("dropout", Dropout);
        AttentionDropout = r.Double("attention_dropout", AttentionDropout);
        Activation = r.String("activation", Activation);
        InitializerRange = r.Double("initializer_range", InitializerRange);
        QaDropout = r.Double("qa_dropout", QaDropout);
        SeqClassifDropout = r.Double("seq_classif_dropout", SeqClassifDropout);
    }

    protected override void WriteFields(JsonObject json)
    {
        json["vocab_size"] = VocabSize;
        json["dim"] = HiddenSize;
        json["n_layers"] = NumHiddenLayers;
        json["n_heads"] = NumAttentionHeads;
        json["hidden_dim"] = HiddenDim;
        json["max_position_embeddings"] = MaxPositionEmbeddings;
        json["sinusoidal_pos_embds"] = SinusoidalPosEmbds;
        json["dropout"] = Dropout;
        json["attention_dropout"] = AttentionDropout;
        json["activation"] = Activation;
        json["initializer_range"] = InitializerRange;
        json["qa_dropout"] = QaDropout;
        json["seq_classif_dropout"] = SeqClassifDropout;
    }

    protected override void Validate(ConfigReader r)
    {
        if (NumAttentionHeads <= 0 || HiddenSize % NumAttentionHeads != 0)
            throw r.Error("n_heads", $"({NumAttentionHeads}) must divide dim ({HiddenSize})");
        if (SinusoidalPosEmbds)
            throw r.Error("sinusoidal_pos_embds", "is true; only learned position embeddings (false, as every released DistilBERT) are implemented");
        Activations.Validate(Activation, r, "activation");
    }
}
