using TuneSharp.Architectures;
using TuneSharp.Checkpoints;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.CausalLm;

/// <summary>Loads the right decoder-only language model for a folder, by its config's <c>model_type</c> (transformers' <c>AutoModelForCausalLM</c>).</summary>
public static class AutoModelForCausalLM
{
    /// <summary>model_type values that have a causal-LM head.</summary>
    public static IReadOnlyList<string> SupportedModelTypes => ModelArchitectures.WithTask(ModelTask.CausalLm);

    /// <summary>
    /// Loads config and weights (a <c>*ForCausalLM</c> checkpoint, or a bare decoder whose missing head the report lists),
    /// in eval mode.
    /// </summary>
    /// <exception cref="ModelConfigException">The architecture has no causal LM.</exception>
    public static (CausalLanguageModel Model, LoadReport Report) FromPretrained(string modelDir, ScalarType? dtype = null)
    {
        TorchRuntime.EnsureLoaded();
        var config = PretrainedConfig.Load(modelDir);
        var architecture = EnsureSupported(config);
        var head = architecture.Head(ModelTask.CausalLm);
        var model = new CausalLanguageModel(config);
        try
        {
            var report = PretrainedWeights.LoadInto(model, modelDir, dtype, new StateDictLoadOptions
            {
                BaseModelPrefix = architecture.BaseModelPrefix,
                // A tied checkpoint may store the head as an explicit copy of the embedding; the tie makes it redundant.
                IgnoreUnexpected = [.. architecture.IgnoreOnLoad, .. head.IgnoreOnLoad, .. model.TiedHead ? [$@"^{head.Module}\.weight$"] : Array.Empty<string>()],
            }, architecture.TransposedWeights);
            return (model, report);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The registration of <paramref name="config"/>'s architecture when it has a causal LM; otherwise throws
    /// <see cref="ModelConfigException"/>, so a caller can refuse an encoder from config.json alone, before reading weights.
    /// </summary>
    public static ModelArchitecture EnsureSupported(PretrainedConfig config)
    {
        var architecture = ModelArchitectures.Find(config.ModelType);
        if (architecture is null || !architecture.Heads.ContainsKey(ModelTask.CausalLm))
            throw new ModelConfigException(
                $"{config.Source}: model_type \"{config.ModelType}\" has no causal language model in TuneSharp " +
                $"(supported for generation: {string.Join(", ", SupportedModelTypes)}).");
        return architecture;
    }
}
