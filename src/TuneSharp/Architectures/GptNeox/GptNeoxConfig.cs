using System.Text.Json;
using System.Text.Json.Nodes;
using TuneSharp.Models;

namespace TuneSharp.Architectures.GptNeox;

/// <summary>
/// Config of a GPT-NeoX decoder (<c>model_type: "gpt_neox"</c>: EleutherAI's GPT-NeoX-20B and the Pythia suite);
/// property defaults are transformers' GPTNeoXConfig defaults (the 20B model's sizes).
/// </summary>
public sealed class GptNeoxConfig : PretrainedConfig
{
    /// <summary>A config with transformers' defaults (bos 0, eos 2).</summary>
    public GptNeoxConfig()
    {
        BosTokenId = 0;
        EosTokenIds = [2];
    }

    /// <inheritdoc/>
    public override string ModelType => "gpt_neox";

    /// <inheritdoc/>
    public override int VocabSize { get; set; } = 50432;
    /// <inheritdoc/>
    public override int HiddenSize { get; set; } = 6144;
    /// <inheritdoc/>
    public override int NumHiddenLayers { get; set; } = 44;
    /// <inheritdoc/>
    public override int NumAttentionHeads { get; set; } = 64;
    /// <summary>Width of the feed-forward block (<c>intermediate_size</c>).</summary>
    public int IntermediateSize { get; set; } = 24576;
    /// <summary>The feed-forward activation (<c>hidden_act</c>); Pythia's "gelu" is the exact erf form.</summary>
    public string HiddenAct { get; set; } = "gelu";
    /// <summary>Fraction of each head's dimensions that rotary embeddings rotate (<c>rotary_pct</c>); the rest carry no position.</summary>
    public double RotaryPct { get; set; } = 0.25;
    /// <summary>The rotary base θ (<c>rotary_emb_base</c>, Llama's rope_theta).</summary>
    public double RotaryEmbBase { get; set; } = 10000.0;
    /// <summary>Dropout on the attention probabilities (<c>attention_dropout</c>).</summary>
    public double AttentionDropout { get; set; }
    /// <summary>Dropout on the embeddings and on each block's attention and MLP outputs (<c>hidden_dropout</c>).</summary>
    public double HiddenDropout { get; set; }
    /// <summary>Dropout before the token-classification head (<c>classifier_dropout</c>); null when the file says null.</summary>
    public double? ClassifierDropout { get; set; } = 0.1;
    /// <summary>Positions the model was trained on (<c>max_position_embeddings</c>).</summary>
    public int MaxPositionEmbeddings { get; set; } = 2048;

    /// <inheritdoc/>
    public override int MaxPositions => Models.RopeScaling.MaxPositions(RopeScaling, MaxPositionEmbeddings);

    /// <inheritdoc/>
    public override string MaxPositionsSource => Models.RopeScaling.MaxPositionsSource(RopeScaling);
    /// <inheritdoc/>
    public override double InitializerRange { get; set; } = 0.02;
    /// <summary>LayerNorm epsilon (<c>layer_norm_eps</c>).</summary>
    public double LayerNormEps { get; set; } = 1e-5;
    /// <summary>
    /// True (Pythia, GPT-NeoX-20B): x + attn(ln1(x)) + mlp(ln2(x)), attention and MLP side by side; false: the usual
    /// x = x + attn(ln1(x)); x = x + mlp(ln2(x)) (<c>use_parallel_residual</c>).
    /// </summary>
    public bool UseParallelResidual { get; set; } = true;
    /// <summary>The <c>rope_scaling</c> object as written (null = none); see <see cref="RopeScalingType"/>.</summary>
    public JsonObject? RopeScaling { get; set; }
    /// <summary>Whether the fused query_key_value projection and the attention output <c>dense</c> have biases (<c>attention_bias</c>).</summary>
    public bool AttentionBias { get; set; } = true;
    /// <summary>Whether the language-model head <c>embed_out</c> is the input embedding <c>embed_in</c> (<c>tie_word_embeddings</c>).</summary>
    public bool TieWordEmbeddings { get; set; }

    /// <summary>Size of one attention head.</summary>
    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Dimensions of each head that rotary embeddings rotate: int(head_dim · rotary_pct), truncated as transformers does.</summary>
    public int RotaryDims => (int)(HeadDim * RotaryPct);

    /// <summary>"default" (no scaling), "linear" (positions divided by <see cref="RopeScalingFactor"/>) or "dynamic" (NTK: the base grows past max_position_embeddings).</summary>
    public string RopeScalingType => Models.RopeScaling.Type(RopeScaling);

    /// <summary>The rope_scaling <c>factor</c> (1 when there is no scaling).</summary>
    public double RopeScalingFactor => Models.RopeScaling.Factor(RopeScaling);

    /// <inheritdoc/>
    protected override void ReadFields(ConfigReader r)
    {
        VocabSize = r.Int("vocab_size", VocabSize);
        HiddenSize = r.Int("hidden_size", HiddenSize);
        NumHiddenLayers = r.Int("num_hidden_layers", NumHiddenLayers);
        NumAttentionHeads = r.Int("num_attention_heads", NumAttentionHeads);
        IntermediateSize = r.Int("intermediate_size", IntermediateSize);
        HiddenAct = r.String("hidden_act", HiddenAct);
        RotaryPct = r.Double("rotary_pct", RotaryPct);
        RotaryEmbBase = r.Double("rotary_emb_base", RotaryEmbBase);
        AttentionDropout = r.Double("attention_dropout", AttentionDropout);
        HiddenDropout = r.Double("hidden_dropout", HiddenDropout);
        ClassifierDropout = r.OptionalDouble("classifier_dropout", ClassifierDropout);
        MaxPositionEmbeddings = r.Int("max_position_embeddings", MaxPositionEmbeddings);
        InitializerRange = r.Double("initializer_range", InitializerRange);
        LayerNormEps = r.Double("layer_norm_eps", LayerNormEps);
        UseParallelResidual = r.Bool("use_parallel_residual", UseParallelResidual);
        RopeScaling = r.Object("rope_scaling");
        AttentionBias = r.Bool("attention_bias", AttentionBias);
        TieWordEmbeddings = r.Bool("tie_word_embeddings", TieWordEmbeddings);
    }

    /// <inheritdoc/>
    protected override void WriteFields(JsonObject json)
    {
        json["vocab_size"] = VocabSize;
        json["hidden_size"] = HiddenSize;
        json["num_hidden_layers"] = NumHiddenLayers;
        json["num_attention_heads"] = NumAttentionHeads;
        json["intermediate_size"] = IntermediateSize;
        json["hidden_act"] = HiddenAct;
        json["rotary_pct"] = RotaryPct;
        json["rotary_emb_base"] = RotaryEmbBase;
        json["attention_dropout"] = AttentionDropout;
        json["hidden_dropout"] = HiddenDropout;
        json["classifier_dropout"] = ClassifierDropout;
        json["max_position_embeddings"] = MaxPositionEmbeddings;
        json["initializer_range"] = InitializerRange;
        json["layer_norm_eps"] = LayerNormEps;
        json["use_parallel_residual"] = UseParallelResidual;
        json["rope_scaling"] = RopeScaling?.DeepClone();
        json["attention_bias"] = AttentionBias;
        json["tie_word_embeddings"] = TieWordEmbeddings;
    }

    /// <inheritdoc/>
    protected override void Validate(ConfigReader r)
    {
        if (NumAttentionHeads <= 0 || HiddenSize % NumAttentionHeads != 0)
            throw r.Error("num_attention_heads", $"({NumAttentionHeads}) must divide hidden_size ({HiddenSize})");
        if (!(RotaryPct >= 0 && RotaryPct <= 1))
            throw r.Error("rotary_pct", $"({RotaryPct}) must be between 0 and 1");
        // rotate_half pairs dimension i with i + R/2; an odd R has no partner for one dimension (transformers fails on it too).
        if (RotaryDims % 2 != 0)
            throw r.Error("rotary_pct", $"({RotaryPct}) gives {RotaryDims} rotary dimensions of head_dim {HeadDim}; rotary embeddings need an even number");
        foreach (var (field, p) in new[] { ("attention_dropout", AttentionDropout), ("hidden_dropout", HiddenDropout), ("classifier_dropout", ClassifierDropout ?? 0) })
            if (!(p >= 0 && p < 1)) throw r.Error(field, $"({p}) must be a probability in [0, 1)");
        // transformers 4.40's GPT-NeoX knows linear and dynamic scaling (no llama3).
        Models.RopeScaling.Validate(RopeScaling, r, "linear", "dynamic");
        Activations.Validate(HiddenAct, r, "hidden_act");
    }
}
