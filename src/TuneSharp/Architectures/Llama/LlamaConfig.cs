using System.Text.Json.Nodes;
using System.Text.Json;
using TuneSharp.Models;

namespace TuneSharp.Architectures.Llama;

/// <summary>
/// Config of a Llama decoder (<c>model_type: "llama"</c>); property defaults are HF's LlamaConfig defaults. Qwen2 and
/// Mistral (<see cref="Qwen2Config"/>, <see cref="MistralConfig"/>) are the same network with other biases and windows.
/// </summary>
public class LlamaConfig : PretrainedConfig
{
    public LlamaConfig()
    {
        BosTokenId = 1;
        EosTokenIds = [2];
    }

    public override string ModelType => "llama";

    public override int VocabSize { get; set; } = 32000;
    public override int HiddenSize { get; set; } = 4096;
    public int IntermediateSize { get; set; } = 11008;
    public override int NumHiddenLayers { get; set; } = 32;
    public override int NumAttentionHeads { get; set; } = 32;
    /// <summary>Key/value heads for grouped-query attention; HF defaults it to num_attention_heads.</summary>
    public int NumKeyValueHeads { get; set; } = 32;
    /// <summary>Explicit <c>head_dim</c> from the file, or null (then hidden_size / num_attention_heads).</summary>
    public int? ExplicitHeadDim { get; set; }
    public string HiddenAct { get; set; } = "silu";
    public int MaxPositionEmbeddings { get; set; } = 2048;

    /// <summary>
    /// Tokens one input can hold: max_position_embeddings, or that times the factor with dynamic rope scaling, whose
    /// whole point is to run past the trained length (the factor is the stretch it was set for). Linear and llama3
    /// checkpoints already write their stretched length into max_position_embeddings.
    /// </summary>
    public override int MaxPositions => Models.RopeScaling.MaxPositions(RopeScaling, MaxPositionEmbeddings);

    /// <inheritdoc/>
    public override string MaxPositionsSource => Models.RopeScaling.MaxPositionsSource(RopeScaling);
    public override double InitializerRange { get; set; } = 0.02;
    public double RmsNormEps { get; set; } = 1e-6;
    public double RopeTheta { get; set; } = 10000.0;
    /// <summary>The <c>rope_scaling</c> object as written (null = none); see <see cref="RopeScalingType"/>.</summary>
    public JsonObject? RopeScaling { get; set; }
    public bool AttentionBias { get; set; }
    public bool MlpBias { get; set; }
    public double AttentionDropout { get; set; }
    public bool TieWordEmbeddings { get; set; }

    /// <summary>Whether q_proj, k_proj and v_proj have biases (Llama: attention_bias; Qwen2: always).</summary>
    public virtual bool QkvBias => AttentionBias;

    /// <summary>Whether o_proj has a bias (Llama: attention_bias; Qwen2 and Mistral: never).</summary>
    public virtual bool OutputProjectionBias => AttentionBias;

    /// <summary>
    /// The sliding attention window of a layer (each token sees itself and the <c>window</c> tokens before it, as
    /// transformers 4.40 and Mistral's reference code count it), or null for full causal attention (Llama; Mistral's sliding_window).
    /// </summary>
    public virtual int? SlidingWindow(int layerIndex) => null;

    /// <summary>num_key_value_heads when the file has none: null (= num_attention_heads) for Llama, a number for Mistral.</summary>
    protected virtual int? KeyValueHeadsDefault => null;

    /// <summary>Size of one attention head.</summary>
    public int HeadDim => ExplicitHeadDim ?? HiddenSize / NumAttentionHeads;

    /// <summary>
    /// "default" (no scaling), "linear" (positions divided by <see cref="RopeScalingFactor"/>), "dynamic" (NTK-aware: the
    /// base grows once an input runs past max_position_embeddings) or "llama3" (Llama 3.1's per-frequency rescaling).
    /// </summary>
    public string RopeScalingType => Models.RopeScaling.Type(RopeScaling);

    /// <summary>The rope_scaling <c>factor</c> (1 when there is no scaling).</summary>
    public double RopeScalingFactor => Models.RopeScaling.Factor(RopeScaling);

    /// <summary>The rotary frequencies at positions within max_position_embeddings (see <see cref="Models.RopeScaling.InverseFrequencies"/>).</summary>
    public double[] RopeInverseFrequencies() => Models.RopeScaling.InverseFrequencies(RopeScaling, RopeTheta, HeadDim);

    /// <summary>A numeric field of rope_scaling, or null when it is absent.</summary>
    public double? RopeScalingNumber(string key) => Models.RopeScaling.Number(RopeScaling, key);

    /// <inheritdoc/>
    protected override void ReadFields(ConfigReader r)
    {
        VocabSize = r.Int("vocab_size", VocabSize);
        HiddenSize = r.Int("hidden_size", HiddenSize);
        IntermediateSize = r.Int("intermediate_size", IntermediateSize);
        NumHiddenLayers = r.Int("num_hidden_layers", NumHiddenLayers);
        NumAttentionHeads = r.Int("num_attention_heads", NumAttentionHeads);
        // HF: a null num_key_value_heads means plain multi-head attention; a missing one takes the config class's default.
        NumKeyValueHeads = r.OptionalInt("num_key_value_heads", KeyValueHeadsDefault) ?? NumAttentionHeads;
        ExplicitHeadDim = r.OptionalInt("head_dim", null);
        HiddenAct = r.String("hidden_act", HiddenAct);
        MaxPositionEmbeddings = r.Int("max_position_embeddings", MaxPositionEmbeddings);
        InitializerRange = r.Double("initializer_range", InitializerRange);
        RmsNormEps = r.Double("rms_norm_eps", RmsNormEps);
        RopeTheta = r.Double("rope_theta", RopeTheta);
        RopeScaling = r.Object("rope_scaling");
        AttentionBias = r.Bool("attention_bias", AttentionBias);
        MlpBias = r.Bool("mlp_bias", MlpBias);
        AttentionDropout = r.Double("attention_dropout", AttentionDropout);
        TieWordEmbeddings = r.Bool("tie_word_embeddings", TieWordEmbeddings);
    }

    /// <inheritdoc/>
    protected override void WriteFields(JsonObject json)
    {
        json["vocab_size"] = VocabSize;
        json["hidden_size"] = HiddenSize;
        json["intermediate_size"] = IntermediateSize;
        json["num_hidden_layers"] = NumHiddenLayers;
        json["num_attention_heads"] = NumAttentionHeads;
        json["num_key_value_heads"] = NumKeyValueHeads;
        json["head_dim"] = HeadDim;
        json["hidden_act"] = HiddenAct;
        json["max_position_embeddings"] = MaxPositionEmbeddings;
        json["initializer_range"] = InitializerRange;
        json["rms_norm_eps"] = RmsNormEps;
        json["rope_theta"] = RopeTheta;
        json["rope_scaling"] = RopeScaling?.DeepClone();
        json["attention_bias"] = AttentionBias;
        json["mlp_bias"] = MlpBias;
        json["attention_dropout"] = AttentionDropout;
        json["tie_word_embeddings"] = TieWordEmbeddings;
    }

    /// <inheritdoc/>
    protected override void Validate(ConfigReader r)
    {
        if (NumAttentionHeads <= 0 || (ExplicitHeadDim is null && HiddenSize % NumAttentionHeads != 0))
            throw r.Error("num_attention_heads", $"({NumAttentionHeads}) must divide hidden_size ({HiddenSize}) when head_dim is not given");
        if (NumKeyValueHeads <= 0 || NumAttentionHeads % NumKeyValueHeads != 0)
            throw r.Error("num_key_value_heads", $"({NumKeyValueHeads}) must divide num_attention_heads ({NumAttentionHeads})");
        if (HeadDim % 2 != 0)
            throw r.Error("head_dim", $"({HeadDim}) must be even for rotary embeddings");
        Models.RopeScaling.Validate(RopeScaling, r, "linear", "dynamic", "llama3");
        Activations.Validate(HiddenAct, r, "hidden_act");
    }
}
