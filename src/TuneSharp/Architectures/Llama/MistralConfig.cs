using System.Text.Json.Nodes;
using TuneSharp.Models;

namespace TuneSharp.Architectures.Llama;

/// <summary>
/// Config of a Mistral decoder (<c>model_type: "mistral"</c>): Llama's network without biases, with sliding-window
/// attention (each token attends to itself and the <c>sliding_window</c> tokens before it; null = full attention),
/// and transformers' MistralConfig defaults.
/// </summary>
public sealed class MistralConfig : LlamaConfig
{
    /// <summary>A config with transformers' MistralConfig defaults.</summary>
    public MistralConfig()
    {
        IntermediateSize = 14336;
        NumKeyValueHeads = KeyValueHeadsDefault!.Value;
        MaxPositionEmbeddings = 4096 * 32;
    }

    /// <inheritdoc/>
    public override string ModelType => "mistral";

    /// <summary><c>sliding_window</c>: the attention window in tokens, or null for full causal attention.</summary>
    public int? SlidingWindowSize { get; set; } = 4096;

    /// <inheritdoc/>
    protected override int? KeyValueHeadsDefault => 8;

    /// <inheritdoc/>
    public override bool QkvBias => false;

    /// <inheritdoc/>
    public override bool OutputProjectionBias => false;

    /// <inheritdoc/>
    public override int? SlidingWindow(int layerIndex) => SlidingWindowSize;

    /// <inheritdoc/>
    protected override void ReadFields(ConfigReader r)
    {
        base.ReadFields(r);
        SlidingWindowSize = r.OptionalInt("sliding_window", SlidingWindowSize);
    }

    /// <inheritdoc/>
    protected override void WriteFields(JsonObject json)
    {
        base.WriteFields(json);
        json.Remove("attention_bias");
        json.Remove("mlp_bias");
        json["sliding_window"] = SlidingWindowSize;
    }

    /// <inheritdoc/>
    protected override void Validate(ConfigReader r)
    {
        base.Validate(r);
        if (SlidingWindowSize is <= 0) throw r.Error("sliding_window", $"({SlidingWindowSize}) must be a positive number of tokens or null");
        if (AttentionBias || MlpBias) throw r.Error(AttentionBias ? "attention_bias" : "mlp_bias", "is true, but Mistral's projections have no biases");
    }
}
