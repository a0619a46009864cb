using TuneSharp.Checkpoints;
using TuneSharp.Models;
using TuneSharp.Peft.Bottleneck;
using TuneSharp.Peft.Lora;
using TuneSharp.Peft.PromptTuning;
using TuneSharp.Tasks.SequenceClassification;
using static TorchSharp.torch;

namespace TuneSharp.Peft;

/// <summary>
/// Opens a trained classifier folder whatever the method that produced it: a full model (config.json +
/// model.safetensors) or an adapter folder (adapter_config.json + adapter_model.safetensors, whose
/// base_model_name_or_path names the base model; config.json beside it carries the labels and problem type).
/// </summary>
public static class PeftClassifierLoader
{
    /// <summary>The adapter types this loader opens (adapter_config.json's peft_type).</summary>
    public static IReadOnlyList<string> SupportedPeftTypes { get; } = PeftMethodTable.All.Where(m => m.PeftType is not null).Select(m => m.PeftType!).ToList();

    /// <summary>True when <paramref name="dir"/> holds a PEFT adapter rather than full weights.</summary>
    public static bool IsAdapterFolder(string dir) => AdapterFiles.IsAdapterFolder(dir);

    /// <summary>
    /// Loads the classifier in eval mode, applying the adapter to its base model when the folder holds one. With
    /// <paramref name="requireTrainedHead"/>, a full-model folder without a classification head (a base model) is refused
    /// (<see cref="UntrainedHeadException"/>); an adapter folder always carries its trained head, or fails to load.
    /// </summary>
    public static ISequenceClassifier Load(string dir, ScalarType? dtype = null, bool requireTrainedHead = false)
    {
        if (!IsAdapterFolder(dir))
            return SequenceClassifierFactory.FromPretrained(dir, new SequenceClassificationOptions { DType = dtype, RequireTrainedHead = requireTrainedHead }).Model;
        return LoadAdapter(dir, BaseModelDir(dir), dtype).Classifier;
    }

    /// <summary>
    /// Loads <paramref name="baseModelDir"/> with the adapter of <paramref name="adapterDir"/> applied (any supported
    /// peft_type), in eval mode; the head's labels come from the adapter folder's config.json.
    /// </summary>
    /// <exception cref="PeftException">An unsupported peft_type, or an adapter that does not fit the base model.</exception>
    public static (ISequenceClassifier Classifier, IPeftAdapter Adapter) LoadAdapter(string adapterDir, string baseModelDir, ScalarType? dtype = null)
    {
        var method = MethodOf(adapterDir);
        return OnFreshBase(baseModelDir, TrainedHeadOptions(adapterDir, dtype), classifier =>
        {
            var applied = method.LoadAdapter!(classifier, adapterDir);
            return ((ISequenceClassifier)applied.Model, applied.Adapter!);
        });
    }

    /// <summary>
    /// Loads a trained model folder of a fine-tuning task (<see cref="ModelTask.SequenceClassification"/>,
    /// <see cref="ModelTask.TokenClassification"/>, <see cref="ModelTask.QuestionAnswering"/> or <see cref="ModelTask.CausalLm"/>) in eval mode: a full model, or an adapter folder applied to the base
    /// model it names (labels from the config.json beside it). A full folder without the task's head is refused with
    /// <paramref name="requireTrainedHead"/>.
    /// </summary>
    /// <exception cref="PeftException">An unsupported peft_type, or an adapter that does not fit the base model.</exception>
    public static ITaskModel LoadTaskModel(string dir, ModelTask task, ScalarType? dtype = null, bool requireTrainedHead = false)
    {
        if (task == ModelTask.SequenceClassification) return Load(dir, dtype, requireTrainedHead);
        var full = new SequenceClassificationOptions { DType = dtype, RequireTrainedHead = requireTrainedHead };
        return task switch
        {
            // A token classifier's labels come from the config.json beside its adapter; a QA head has none.
            ModelTask.TokenClassification => Open(dir, full, () => TrainedHeadOptions(dir, dtype) with { ProblemType = null },
                Tasks.TokenClassification.TokenClassifierFactory.FromPretrained),
            ModelTask.QuestionAnswering => Open(dir, full, () => new SequenceClassificationOptions { DType = dtype },
                (modelDir, options) => Tasks.QuestionAnswering.QuestionAnsweringModelFactory.FromPretrained(modelDir, options)),
            // A language model's head is the checkpoint's own (PEFT's CAUSAL_LM trains no new one).
            ModelTask.CausalLm => Open(dir, full, () => new SequenceClassificationOptions { DType = dtype },
                (modelDir, options) => Tasks.CausalLm.AutoModelForCausalLM.FromPretrained(modelDir, options.DType)),
            _ => throw new ArgumentOutOfRangeException(nameof(task), task, "Only classification, question-answering and causal-LM models load here."),
        };
    }

    // A full folder with the task's factory, or an adapter folder applied to a fresh base loaded with it.
    private static ITaskModel Open<TModel>(string dir, SequenceClassificationOptions full, Func<SequenceClassificationOptions> adapterBase,
        Func<string, SequenceClassificationOptions, (TModel Model, LoadReport Report)> load) where TModel : ITaskModel
    {
        if (!IsAdapterFolder(dir)) return load(dir, full).Model;
        var method = MethodOf(dir);
        return OnFreshBase(BaseModelDir(dir), adapterBase(), load, model => (method.LoadAdapter!(model, dir).Model, 0)).Model;
    }

    /// <summary>
    /// Applies the adapter saved in <paramref name="adapterDir"/> to <paramref name="model"/> (a base model the caller
    /// loaded) and returns the model to use, in eval mode.
    /// </summary>
    /// <exception cref="PeftException">An unsupported peft_type, or an adapter that does not fit the model.</exception>
    public static ITaskModel ApplyAdapter(ITaskModel model, string adapterDir)
    {
        ArgumentNullException.ThrowIfNull(model);
        var method = MethodOf(adapterDir);
        var applied = method.LoadAdapter!(model, adapterDir).Model;
        applied.Module.eval();
        return applied;
    }

    // The registered method of an adapter folder's peft_type.
    private static PeftMethodRegistration MethodOf(string adapterDir)
    {
        var peftType = AdapterFiles.ReadPeftType(adapterDir);
        return PeftMethodTable.ForPeftType(peftType)
            ?? throw new PeftException($"{Path.Combine(adapterDir, AdapterFiles.ConfigFileName)}: peft_type \"{peftType}\" is not supported; TuneSharp opens {string.Join(", ", SupportedPeftTypes)} adapters.");
    }

    /// <summary>The base model folder an adapter names (base_model_name_or_path), checked to exist.</summary>
    /// <exception cref="PeftException">The field is empty or the folder does not exist.</exception>
    public static string BaseModelDir(string adapterDir)
    {
        var config = AdapterFiles.ReadConfig(adapterDir);
        var path = Path.Combine(adapterDir, AdapterFiles.ConfigFileName);
        var baseModel = config["base_model_name_or_path"] is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
        if (string.IsNullOrEmpty(baseModel))
            throw new PeftException($"{path}: base_model_name_or_path is empty; the adapter cannot be applied without its base model.");
        if (!Directory.Exists(baseModel))
            throw new PeftException($"{path}: base model folder '{baseModel}' (base_model_name_or_path) does not exist.");
        return baseModel;
    }

    /// <summary>
    /// Loads a fresh base classifier from <paramref name="baseModelDir"/>, applies an adapter to it with
    /// <paramref name="applyAdapter"/> (which returns the classifier to use and the adapter) and puts it in eval mode;
    /// the base model is disposed if applying fails. The one body behind every adapter type's FromPretrained.
    /// </summary>
    internal static (ISequenceClassifier Classifier, TAdapter Adapter) OnFreshBase<TAdapter>(string baseModelDir,
        SequenceClassificationOptions options, Func<ISequenceClassifier, (ISequenceClassifier Classifier, TAdapter Adapter)> applyAdapter) =>
        OnFreshBase(baseModelDir, options, SequenceClassifierFactory.FromPretrained, applyAdapter);

    // The same for any task's model: load the base with the task's factory, apply, eval; dispose the base on failure.
    private static (TResult Model, TAdapter Adapter) OnFreshBase<TBase, TResult, TAdapter>(string baseModelDir, SequenceClassificationOptions options,
        Func<string, SequenceClassificationOptions, (TBase Model, LoadReport Report)> load, Func<TBase, (TResult Model, TAdapter Adapter)> applyAdapter)
        where TBase : ITaskModel where TResult : ITaskModel
    {
        var (model, _) = load(baseModelDir, options);
        try
        {
            var applied = applyAdapter(model);
            model.Module.eval();
            return applied;
        }
        catch
        {
            model.Module.Dispose();
            throw;
        }
    }

    /// <summary>The trained head's labels and problem type, from the config.json saved beside an adapter (defaults when absent).</summary>
    internal static SequenceClassificationOptions TrainedHeadOptions(string adapterDir, ScalarType? dtype = null)
    {
        var options = new SequenceClassificationOptions { DType = dtype };
        if (!File.Exists(Path.Combine(adapterDir, PretrainedConfig.FileName))) return options;
        var trained = PretrainedConfig.Load(adapterDir);
        return options with
        {
            NumLabels = SequenceClassificationConfig.NumLabels(trained),
            Id2Label = trained.Id2Label,
            Label2Id = trained.Label2Id,
            ProblemType = SequenceClassificationConfig.ProblemTypeOf(trained),
        };
    }
}
