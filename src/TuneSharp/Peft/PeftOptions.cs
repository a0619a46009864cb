using TuneSharp.Peft.Freeze;
using TuneSharp.Peft.Lora;

namespace TuneSharp.Peft;

/// <summary>The fine-tuning method and its settings.</summary>
public sealed record PeftOptions
{
    /// <summary>Which parameters train.</summary>
    public PeftMethod Method { get; init; } = PeftMethod.Full;

    /// <summary>Settings for <see cref="PeftMethod.Freeze"/>.</summary>
    public FreezeOptions Freeze { get; init; } = new();

    /// <summary>Settings for <see cref="PeftMethod.Lora"/>.</summary>
    public LoraOptions Lora { get; init; } = new();
}
