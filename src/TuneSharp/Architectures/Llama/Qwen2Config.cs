using System.Text.Json.Nodes;
using TuneSharp.Models;

namespace TuneSharp.Architectures.Llama;

/// <summary>
/// Config of a Qwen2 decoder (<c>model_type: "qwen2"</c>): Llama's network with biases on q_proj, k_proj and v_proj (none on
/// o_proj or the MLP), transformers' Qwen2Config defaults, and its sliding-window keys.
/// </summary>
public sealed class Qwen2Config : LlamaConfig
{
    /// <summary>A config with transformers' Qwen2Config defaults.</summary>
    public Qwen2Config()
    {
        // Qwen2Config sets no bos/eos of its own; checkpoints give theirs.
        BosTokenId = null;
        EosTokenIds = [];
        VocabSize = 151936;
        IntermediateSize = 22016;
        NumKeyValueHeads = KeyValueHeadsDefault!.Value;
        MaxPositionEmbeddings = 32768;
    }

    /// <inheritdoc/>
    public override string ModelType => "qwen2";

    /// <summary><c>use_sliding_window</c>: released Qwen2 checkpoints set false, the only value TuneSharp runs.</summary>
    public bool UseSlidingWindow { get; set; }

    /// <summary><c>sliding_window</c> (kept and written back; unused while use_sliding_window is false).</summary>
    public int? SlidingWindowSize { get; set; } = 4096;

    /// <summary><c>max_window_layers</c> (kept and written back).</summary>
    public int MaxWindowLayers { get; set; } = 28;

    /// <inheritdoc/>
    protected override int? KeyValueHeadsDefault => 32;

    /// <inheritdoc/>
    public override bool QkvBias => true;

    /// <inheritdoc/>
    public override bool OutputProjectionBias => false;

    /// <inheritdoc/>
    protected override void ReadFields(ConfigReader r)
    {
        base.ReadFields(r);
        UseSlidingWindow = r.Bool("use_sliding_window", UseSlidingWindow);
        SlidingWindowSize = r.OptionalInt("sliding_window", SlidingWindowSize);
        MaxWindowLayers = r.Int("max_window_layers", MaxWindowLayers);
    }

    /// <inheritdoc/>
    protected override void WriteFields(JsonObject json)
    {
        base.WriteFields(json);
        // Qwen2's modules have fixed biases; Llama's bias switches mean nothing to transformers' Qwen2Config.
        json.Remove("attention_bias");
        json.Remove("mlp_bias");
        json["use_sliding_window"] = UseSlidingWindow;
        json["sliding_window"] = SlidingWindowSize;
        json["max_window_layers"] = MaxWindowLayers;
    }

    /// <inheritdoc/>
    protected override void Validate(ConfigReader r)
    {
        base.Validate(r);
        // transformers versions disagree on which layers a Qwen2 window covers (4.40's eager attention applies it to all,
        // its flash-attention path to those below max_window_layers, later versions to those from it on), so a window
        // would give different numbers depending on the reader; refuse it rather than pick one silently.
        if (UseSlidingWindow)
            throw r.Error("use_sliding_window", "is true; TuneSharp runs Qwen2 with full attention only (released Qwen2 checkpoints set it false)");
    }
}
