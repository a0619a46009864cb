using static TorchSharp.torch;

namespace TuneSharp.Peft;

/// <summary>
/// A parameter-efficient method applied to a model (LoRA, bottleneck adapters, prompt tuning): the small set of
/// trained tensors that is saved instead of the full model, in an adapter folder (adapter_config.json +
/// adapter_model.safetensors) that names its base model.
/// </summary>
public interface IPeftAdapter
{
    /// <summary>The adapted model (its parameters include the adapter's).</summary>
    nn.Module Model { get; }

    /// <summary>adapter_config.json's peft_type: "LORA", "PROMPT_TUNING", "BOTTLENECK".</summary>
    string PeftType { get; }

    /// <summary>Written to adapter_config.json's base_model_name_or_path.</summary>
    string? BaseModelNameOrPath { get; set; }

    /// <summary>One line for the run log: the method and its settings.</summary>
    string Describe();

    /// <summary>Writes adapter_config.json and adapter_model.safetensors (adapter and modules_to_save tensors only).</summary>
    void SaveAdapter(string dir);

    /// <summary>Copies the tensors saved by <see cref="SaveAdapter"/> back into the live parameters.</summary>
    /// <exception cref="PeftException">The file is missing or its tensors do not fit this adapter.</exception>
    void LoadAdapterWeights(string dir);
}
