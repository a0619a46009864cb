using TuneSharp.Peft.Bottleneck;
using TuneSharp.Peft.Freeze;
using TuneSharp.Peft.Lora;
using TuneSharp.Peft.PromptTuning;

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

    /// <summary>Settings for <see cref="PeftMethod.Adapter"/>.</summary>
    public BottleneckOptions Adapter { get; init; } = new();

    /// <summary>Settings for <see cref="PeftMethod.PromptTuning"/>.</summary>
    public PromptTuningOptions PromptTuning { get; init; } = new();

    /// <summary>Checks the chosen method's settings, so impossible values fail before any data or model is loaded.</summary>
    /// <exception cref="PeftException">An out-of-range setting, or freeze with nothing to freeze.</exception>
    public void Validate()
    {
        switch (Method)
        {
            case PeftMethod.Freeze when Freeze is { FreezeEmbeddings: false, FreezeLayers: 0, TrainOnlyHead: false }:
                throw new PeftException("Method \"freeze\" needs something to freeze: freeze_embeddings, freeze_layers > 0 or train_only_head.") { Setting = "method" };
            case PeftMethod.Freeze when Freeze.FreezeLayers < 0:
                throw new PeftException($"freeze_layers must be at least 0, got {Freeze.FreezeLayers}.") { Setting = "freeze_layers" };
            case PeftMethod.Lora:
                Lora.Validate();
                break;
            case PeftMethod.Adapter:
                Adapter.Validate();
                break;
            case PeftMethod.PromptTuning:
                PromptTuning.Validate();
                break;
        }
    }
}
