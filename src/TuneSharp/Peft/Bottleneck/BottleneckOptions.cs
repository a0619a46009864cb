namespace TuneSharp.Peft.Bottleneck;

/// <summary>Where bottleneck adapters go in each transformer layer.</summary>
public enum BottleneckVariant
{
    /// <summary>Houlsby et al. (2019): after the attention output projection and after the feed-forward output projection.</summary>
    Houlsby,

    /// <summary>Pfeiffer et al. (2021): after the feed-forward output projection only (half the adapters, about the same accuracy).</summary>
    Pfeiffer,
}

/// <summary>Bottleneck adapter hyper-parameters (AdapterHub's defaults: reduction factor 16).</summary>
public sealed record BottleneckOptions
{
    /// <summary>Placement of the adapters.</summary>
    public BottleneckVariant Variant { get; init; } = BottleneckVariant.Houlsby;

    /// <summary>hidden_size / bottleneck size: 16 turns a 384-wide layer into a 24-wide bottleneck.</summary>
    public int ReductionFactor { get; init; } = 16;

    /// <summary>Non-linearity between the down- and up-projection: relu, gelu, silu/swish, tanh.</summary>
    public string NonLinearity { get; init; } = "relu";

    /// <summary>Modules trained fully and saved with the adapter; null: the classification head (classifier / score).</summary>
    public IReadOnlyList<string>? ModulesToSave { get; init; }

    /// <summary>Accepted <see cref="NonLinearity"/> names.</summary>
    public static IReadOnlyList<string> NonLinearities { get; } = ["relu", "gelu", "silu", "swish", "tanh"];

    /// <summary>Parses "houlsby" / "pfeiffer" (any case).</summary>
    /// <exception cref="PeftException">Any other text.</exception>
    public static BottleneckVariant ParseVariant(string text) => text.Trim().ToLowerInvariant() switch
    {
        "houlsby" => BottleneckVariant.Houlsby,
        "pfeiffer" => BottleneckVariant.Pfeiffer,
        _ => throw new PeftException($"Unknown adapter variant \"{text}\"; expected houlsby or pfeiffer."),
    };

    /// <summary>Checks the ranges.</summary>
    /// <exception cref="PeftException">A reduction factor below 1 or an unknown non-linearity.</exception>
    public void Validate()
    {
        if (ReductionFactor < 1) throw new PeftException($"adapter_reduction_factor must be at least 1, got {ReductionFactor}.") { Setting = "adapter_reduction_factor" };
        if (!NonLinearities.Contains(NonLinearity))
            throw new PeftException($"adapter_non_linearity \"{NonLinearity}\" is not supported; expected one of: {string.Join(", ", NonLinearities)}.") { Setting = "adapter_non_linearity" };
    }
}
