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
    public override int MaxPositions => RopeScalingType == "dynamic" ? (int)Math.Floor(MaxPositionEmbeddings * RopeScalingFactor) : MaxPositionEmbeddings;
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
    public string RopeScalingType => RopeScaling is null ? "default"
        : (RopeScaling["rope_type"] ?? RopeScaling["type"])?.GetValue<string>() ?? "default";

    /// <summary>The rope_scaling <c>factor</c> (1 when there is no scaling).</summary>
    public double RopeScalingFactor => RopeScalingNumber("factor") ?? 1.0;

    /// <summary>
    /// The rotary frequencies f_i (i &lt; head_dim/2) at positions within max_position_embeddings: rope_theta^(-2i/D),
    /// rescaled by Llama 3.1's rule when rope_type is "llama3": a frequency whose wavelength 2π/f is shorter than
    /// original_max_position_embeddings / high_freq_factor is kept, one longer than original / low_freq_factor is
    /// divided by factor, and between the two the result blends linearly in original/wavelength from divided to kept.
    /// (Linear scaling divides positions instead; dynamic scaling changes the base per input length.)
    /// </summary>
    public double[] RopeInverseFrequencies()
    {
        var frequencies = RopeFrequencies(RopeTheta, HeadDim);
        if (RopeScalingType != "llama3") return frequencies;
        var factor = RopeScalingFactor;
        var low = RopeScalingNumber("low_freq_factor")!.Value;
        var high = RopeScalingNumber("high_freq_factor")!.Value;
        var original = RopeScalingNumber("original_max_position_embeddings")!.Value;
        var (lowWavelength, highWavelength) = (original / low, original / high);
        return frequencies.Select(f =>
        {
            var wavelength = 2 * Math.PI / f;
            if (wavelength < highWavelength) return f;
            if (wavelength > lowWavelength) return f / factor;
            var smooth = (original / wavelength - low) / (high - low);
            return (1 - smooth) * f / factor + smooth * f;
        }).ToArray();
    }

    /// <summary>Unscaled rotary frequencies base^(-2i/D), i &lt; D/2, in double.</summary>
    public static double[] RopeFrequencies(double theta, int dim) => Enumerable.Range(0, dim / 2).Select(i => 1.0 / Math.Pow(theta, 2.0 * i / dim)).ToArray();

    /// <summary>A numeric field of rope_scaling, or null when it is absent.</summary>
    public double? RopeScalingNumber(string key) => RopeScaling?[key] is JsonNode f ? f.GetValue<JsonElement>().GetDouble() : null;

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
        if (RopeScaling is not null) ValidateRopeScaling(r);
        Activations.Validate(HiddenAct, r, "hidden_act");
    }

    private void ValidateRopeScaling(ConfigReader r)
    {
        string type;
        try { type = RopeScalingType; }
        catch (Exception e) when (e is InvalidOperationException or FormatException) { throw r.Error("rope_scaling", "needs a string \"rope_type\" (or \"type\")"); }
        if (type is not ("default" or "linear" or "dynamic" or "llama3"))
            throw r.Error("rope_scaling", $"has rope_type \"{type}\"; supported: none (null), \"default\", \"linear\", \"dynamic\", \"llama3\"");
        if (type == "default") return;
        double Number(string key, bool positive)
        {
            double? value;
            try { value = RopeScalingNumber(key); }
            catch (Exception e) when (e is InvalidOperationException or FormatException) { throw r.Error("rope_scaling", $"\"{key}\" must be a number"); }
            if (value is not { } v || (positive && v <= 0)) throw r.Error("rope_scaling", $"\"{type}\" needs a positive numeric \"{key}\"");
            return v;
        }
        var factor = Number("factor", positive: true);
        if (type == "dynamic" && factor < 1) throw r.Error("rope_scaling", $"\"dynamic\" needs factor >= 1 (got {factor})");
        if (type != "llama3") return;
        var low = Number("low_freq_factor", positive: true);
        var high = Number("high_freq_factor", positive: true);
        Number("original_max_position_embeddings", positive: true);
        if (high <= low) throw r.Error("rope_scaling", $"\"llama3\" needs high_freq_factor ({high}) > low_freq_factor ({low})");
    }
}
