using TorchSharp;
using TuneSharp.Architectures.Bert;
using TuneSharp.Architectures.Llama;
using TuneSharp.Architectures;
using TuneSharp.Checkpoints;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.SequenceClassification;

/// <summary>
/// Builds the right sequence classifier for a model folder, as transformers' <c>AutoModelForSequenceClassification</c>.
/// A base checkpoint (bare <c>BertModel</c>, <c>LlamaForCausalLM</c>, ...) loads its encoder/decoder and gets a new
/// head, which the report lists as newly initialised; a saved classifier restores its head too.
/// </summary>
public static class SequenceClassifierFactory
{
    /// <summary>model_type values with a sequence-classification model.</summary>
    public static IReadOnlyList<string> SupportedModelTypes => ModelArchitectures.WithTask(ModelTask.SequenceClassification);

    /// <summary>
    /// Loads config.json and the safetensors weights of <paramref name="modelDir"/> into a classifier described by
    /// <paramref name="options"/>. The model is returned in eval mode (call train() to fine-tune). New weights are
    /// drawn from torch's global generator: seed it with <c>torch.manual_seed</c> for reproducible heads.
    /// </summary>
    /// <returns>The model and what the checkpoint did not provide (a base checkpoint: the head's tensors).</returns>
    /// <exception cref="SequenceClassificationException">
    /// The model_type has no classifier, the label options disagree, or the folder's saved head has a different
    /// number of labels than requested (unless <see cref="SequenceClassificationOptions.IgnoreMismatchedSizes"/>).
    /// </exception>
    public static (ISequenceClassifier Model, LoadReport Report) FromPretrained(string modelDir, SequenceClassificationOptions options)
    {
        TorchRuntime.EnsureLoaded();
        ArgumentNullException.ThrowIfNull(options);
        var config = PretrainedConfig.Load(modelDir);
        var (architecture, head) = HeadOf(config);
        if (options.RequireTrainedHead && !ModelWeights.ReadInfos(modelDir).Any(i => i.Name == head.WeightKey))
            throw new UntrainedHeadException(
                $"{modelDir} has no trained classification head (its weights hold no '{head.WeightKey}'): it is a base " +
                $"{config.ModelType} model, so every prediction would come from a randomly initialised head. Fine-tune it first " +
                "(train), or set allow_untrained_head to run the random head anyway.");
        SequenceClassificationConfig.Apply(config, options);

        var model = (ISequenceClassifier)head.Create!(config);
        try
        {
            if (options.DType is { } dtype) model.Module.to(dtype);
            var report = LoadWeights(model, architecture, head, modelDir, options);
            model.Module.eval();
            TuneSharp.Models.ModuleOwnership.DetachFromDisposeScopes(model.Module);
            return (model, report);
        }
        catch
        {
            model.Module.Dispose();
            throw;
        }
    }

    /// <summary>The registered architecture of a config and its sequence-classification head.</summary>
    /// <exception cref="SequenceClassificationException">The model_type has no sequence-classification model.</exception>
    private static (ModelArchitecture Architecture, TaskHead Head) HeadOf(PretrainedConfig config) =>
        ModelArchitectures.Find(config.ModelType) is { } architecture && architecture.Heads.TryGetValue(ModelTask.SequenceClassification, out var head)
            ? (architecture, head)
            : throw new SequenceClassificationException(
                $"{config.Source}: model_type \"{config.ModelType}\" has no sequence-classification model in TuneSharp " +
                $"(supported: {string.Join(", ", SupportedModelTypes)}).");

    private static LoadReport LoadWeights(ISequenceClassifier model, ModelArchitecture architecture, TaskHead head, string modelDir,
        SequenceClassificationOptions options)
    {
        var weights = ModelWeights.Load(modelDir, options.DType);
        try
        {
            var headMismatch = CheckSavedHead(weights, head, model.NumLabels, modelDir, options);
            var report = StateDictLoader.LoadInto(model.Module, weights, new StateDictLoadOptions
            {
                BaseModelPrefix = architecture.BaseModelPrefix,
                IgnoreUnexpected = [.. architecture.IgnoreOnLoad, .. head.IgnoreOnLoad],
                ThrowOnShapeMismatch = !headMismatch,
            });
            // The new head is already initialised by the constructor; other gaps get transformers' init rules.
            var otherMissing = report.MissingKeys.Where(k => !head.Owns(k));
            HeadInitialization.InitMissing(model.Module, otherMissing, model.Config.InitializerRange);
            return report;
        }
        finally
        {
            foreach (var tensor in weights.Values) tensor.Dispose();
        }
    }

    /// <summary>True when the folder holds a head of another size and the caller allowed replacing it; throws when not allowed.</summary>
    private static bool CheckSavedHead(Dictionary<string, Tensor> weights, TaskHead taskHead, int numLabels, string modelDir, SequenceClassificationOptions options)
    {
        if (!weights.TryGetValue(taskHead.WeightKey, out var head) || head.shape[0] == numLabels) return false;
        if (options.IgnoreMismatchedSizes) return true;
        throw new SequenceClassificationException(
            $"{modelDir} holds a classification head for {head.shape[0]} labels ('{taskHead.WeightKey}' has shape " +
            $"[{string.Join(", ", head.shape)}]), but {numLabels} labels were requested (NumLabels). Load it with NumLabels = {head.shape[0]}, " +
            $"or set IgnoreMismatchedSizes = true to replace that head with a new, randomly initialised one for {numLabels} labels.");
    }
}
