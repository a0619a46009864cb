using TuneSharp.Architectures;
using TuneSharp.Checkpoints;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using TorchSharp;
using static TorchSharp.torch;

namespace TuneSharp.Tasks;

/// <summary>
/// Loads a model folder into a task model (transformers' <c>AutoModelFor*.from_pretrained</c>), the same way for every
/// task: the registered architecture and its head for the task, the labels written into the config, the backbone
/// weights from a base or a task checkpoint (with or without the architecture's prefix), the head restored when the
/// folder has one of the right size and newly initialised otherwise.
/// </summary>
internal static class TaskModelLoader
{
    /// <summary>
    /// Loads <paramref name="modelDir"/> for <paramref name="task"/>: <paramref name="applyHead"/> writes the head's fields
    /// into the config, <paramref name="create"/> builds the model from it. Returns it in eval mode with the load report.
    /// </summary>
    /// <exception cref="SequenceClassificationException">No head for the task, or a saved head of another size (unless allowed).</exception>
    /// <exception cref="UntrainedHeadException">A trained head is required and the folder has none.</exception>
    public static (TModel Model, LoadReport Report) Load<TModel>(string modelDir, ModelTask task, SequenceClassificationOptions options,
        Action<PretrainedConfig> applyHead, Func<ModelArchitecture, TaskHead, PretrainedConfig, TModel> create, string taskDescription)
        where TModel : ITaskModel
    {
        TorchRuntime.EnsureLoaded();
        ArgumentNullException.ThrowIfNull(options);
        var config = PretrainedConfig.Load(modelDir);
        var architecture = ModelArchitectures.Find(config.ModelType);
        if (architecture is null || !architecture.Heads.TryGetValue(task, out var head))
            throw new SequenceClassificationException(
                $"{config.Source}: model_type \"{config.ModelType}\" has no {taskDescription} model in TuneSharp " +
                $"(supported: {string.Join(", ", ModelArchitectures.WithTask(task))}).");
        if (options.RequireTrainedHead && !ModelWeights.ReadInfos(modelDir).Any(i => i.Name == head.WeightKey))
            throw new UntrainedHeadException(
                $"{modelDir} has no trained {taskDescription} head (its weights hold no '{head.WeightKey}'): it is a base " +
                $"{config.ModelType} model, so every prediction would come from a randomly initialised head. Fine-tune it first " +
                "(train), or set allow_untrained_head to run the random head anyway.");
        applyHead(config);

        var model = create(architecture, head, config);
        try
        {
            if (options.DType is { } dtype) model.Module.to(dtype);
            var report = LoadWeights(model, architecture, head, modelDir, options, NumLabels(config), taskDescription);
            model.Module.eval();
            ModuleOwnership.DetachFromDisposeScopes(model.Module);
            return (model, report);
        }
        catch
        {
            model.Module.Dispose();
            throw;
        }
    }

    private static int NumLabels(PretrainedConfig config) => SequenceClassificationConfig.NumLabels(config);

    private static LoadReport LoadWeights(ITaskModel model, ModelArchitecture architecture, TaskHead head, string modelDir,
        SequenceClassificationOptions options, int numLabels, string taskDescription)
    {
        // Conv1D-style weights (GPT-2) come back in the Linear layout of the modules.
        var weights = ModelWeights.Load(modelDir, options.DType, architecture.TransposedWeights);
        try
        {
            var headMismatch = CheckSavedHead(weights, head, numLabels, modelDir, options, taskDescription);
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
    private static bool CheckSavedHead(Dictionary<string, Tensor> weights, TaskHead taskHead, int numLabels, string modelDir,
        SequenceClassificationOptions options, string taskDescription)
    {
        if (!weights.TryGetValue(taskHead.WeightKey, out var head) || head.shape[0] == numLabels) return false;
        if (options.IgnoreMismatchedSizes) return true;
        throw new SequenceClassificationException(
            $"{modelDir} holds a {taskDescription} head for {head.shape[0]} labels ('{taskHead.WeightKey}' has shape " +
            $"[{string.Join(", ", head.shape)}]), but {numLabels} labels were requested (NumLabels). Load it with NumLabels = {head.shape[0]}, " +
            $"or set IgnoreMismatchedSizes = true to replace that head with a new, randomly initialised one for {numLabels} labels.");
    }
}
