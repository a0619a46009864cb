using TuneSharp.Architectures.Llama;
using TuneSharp.Checkpoints;
using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>Loads the right decoder-only language model for a folder, by its config's <c>model_type</c>.</summary>
public static class AutoModelForCausalLM
{
    /// <summary>model_type values that have a causal-LM implementation.</summary>
    public static IReadOnlyList<string> SupportedModelTypes { get; } = ["llama"];

    /// <summary>Loads config and weights; throws <see cref="ModelConfigException"/> for an architecture without a causal LM.</summary>
    public static (ICausalLM Model, LoadReport Report) FromPretrained(string modelDir, ScalarType? dtype = null)
    {
        TorchRuntime.EnsureLoaded();
        var config = PretrainedConfig.Load(modelDir);
        EnsureSupported(config);
        var (llama, report) = LlamaForCausalLM.FromPretrained(modelDir, dtype);
        return (llama, report);
    }

    /// <summary>
    /// Throws <see cref="ModelConfigException"/> when <paramref name="config"/>'s architecture has no causal LM here, so a
    /// caller can refuse an encoder from config.json alone, before reading its weights.
    /// </summary>
    public static void EnsureSupported(PretrainedConfig config)
    {
        if (config is not LlamaConfig)
            throw new ModelConfigException(
                $"{config.Source}: model_type \"{config.ModelType}\" has no causal language model in TuneSharp yet " +
                $"(supported for generation: {string.Join(", ", SupportedModelTypes)}).");
    }
}
