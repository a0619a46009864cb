using TorchSharp.Modules;
using TuneSharp.Architectures;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using static TorchSharp.torch;

namespace TuneSharp.Peft.Lora;

/// <summary>
/// LoRA applied to a model in place (PEFT's <c>get_peft_model</c> for SEQ_CLS): every targeted Linear gets a
/// <see cref="LoraLinear"/>, all base weights are frozen, and the modules to save (by default the classification
/// head) stay trainable. The model object stays the same, so the trainer and tasks use it unchanged.
/// </summary>
public sealed class LoraModel : IPeftAdapter
{
    private readonly LoraTargets _targets;

    private LoraModel(nn.Module model, LoraOptions options, LoraTargets targets, IReadOnlyList<LoraLinear> layers,
        IReadOnlyList<string> modulesToSave, string? baseModelNameOrPath, bool fanInFanOut)
    {
        Model = model;
        Options = options;
        _targets = targets;
        Layers = layers;
        ModulesToSave = modulesToSave;
        BaseModelNameOrPath = baseModelNameOrPath;
        FanInFanOut = fanInFanOut;
    }

    /// <summary>The adapted model (the same object that was passed in).</summary>
    public nn.Module Model { get; }

    /// <summary>The hyper-parameters used.</summary>
    public LoraOptions Options { get; }

    /// <summary>The adapters, in module order.</summary>
    public IReadOnlyList<LoraLinear> Layers { get; }

    /// <summary>Module paths trained fully and saved with the adapter.</summary>
    public IReadOnlyList<string> ModulesToSave { get; }

    /// <summary>
    /// PEFT's <c>fan_in_fan_out</c>: true when the adapted layers are ones transformers stores transposed (GPT-2's Conv1D,
    /// see <see cref="Architectures.ModelArchitecture.TransposedWeights"/>), as PEFT sets it for them. It describes the
    /// base checkpoint only: TuneSharp's modules are Linear either way, and the adapter tensors have the same shapes.
    /// </summary>
    public bool FanInFanOut { get; }

    /// <inheritdoc/>
    public string? BaseModelNameOrPath { get; set; }

    /// <inheritdoc/>
    public string PeftType => "LORA";

    /// <summary>The task of the adapted model, saved as adapter_config.json's task_type.</summary>
    public ModelTask Task { get; private init; } = ModelTask.SequenceClassification;

    /// <inheritdoc/>
    public string Describe() =>
        $"LoRA: r={Options.R}, alpha={Options.Alpha}, {Layers.Count} adapted layers ({Options.TargetModules}), training also {string.Join(", ", ModulesToSave)}.";

    /// <inheritdoc/>
    public void LoadAdapterWeights(string dir) => AdapterWeights.LoadInto(dir, this);

    /// <summary>True while the adapters are folded into the base weights.</summary>
    public bool IsMerged => Layers.Count > 0 && Layers[0].IsMerged;

    /// <summary>
    /// Applies LoRA to a TuneSharp classifier: its model_type picks the default targets, and its head
    /// (classifier / score) is the default module to save.
    /// </summary>
    /// <exception cref="PeftException">Bad options, or no Linear matches the target modules.</exception>
    public static LoraModel Apply(ITaskModel classifier, LoraOptions options, string? baseModelNameOrPath = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var targets = options.TargetModules is { } text ? LoraTargets.Parse(text) : LoraTargets.FromNames(PeftLayout.DefaultLoraTargets(classifier.Config.ModelType));
        return Apply(classifier.Module, options with { ModulesToSave = options.ModulesToSave ?? PeftLayout.HeadsOf(classifier) }, targets,
            baseModelNameOrPath, classifier.Task, ModelArchitectures.Find(classifier.Config.ModelType));
    }

    /// <summary>
    /// Applies LoRA to any module with Hugging Face names; <paramref name="modelType"/> picks the default targets and
    /// <paramref name="task"/> is recorded as task_type (the head is found by name unless modules_to_save is set).
    /// </summary>
    /// <exception cref="PeftException">Bad options, or no Linear matches the target modules.</exception>
    public static LoraModel Apply(nn.Module model, string modelType, LoraOptions options, string? baseModelNameOrPath = null,
        ModelTask task = ModelTask.SequenceClassification)
    {
        ArgumentNullException.ThrowIfNull(options);
        var targets = options.TargetModules is { } text ? LoraTargets.Parse(text) : LoraTargets.FromNames(PeftLayout.DefaultLoraTargets(modelType));
        return Apply(model, options, targets, baseModelNameOrPath, task, ModelArchitectures.Find(modelType));
    }

    // architecture: the model's registration, for which adapted layers its checkpoints store transposed (null: none, as
    // for any module that is not a registered task model).
    internal static LoraModel Apply(nn.Module model, LoraOptions options, LoraTargets targets, string? baseModelNameOrPath, ModelTask task,
        ModelArchitecture? architecture)
    {
        options.Validate();
        var modules = model.named_modules().ToList();
        var modulesToSave = options.ModulesToSave ?? PeftLayout.HeadsOf(model);
        if (modules.Any(m => m.name.EndsWith(".lora_A", StringComparison.Ordinal)))
            throw new PeftException("This model already has LoRA adapters; apply LoRA to a fresh base model.");

        // The head and other fully trained modules never get an adapter (PEFT excludes them as well).
        var chosen = modules
            .Where(m => m.module is Linear && m.name.Length > 0 && targets.Matches(m.name))
            .Where(m => !TrainedParameters.IsUnderModuleToSave(m.name, modulesToSave))
            .ToList();
        if (chosen.Count == 0)
            throw new PeftException(
                $"Target modules {{{targets}}} not found in the base model: no Linear layer matches. " +
                $"Its Linear layers end in: {string.Join(", ", LinearNames(modules, modulesToSave))}.");
        TrainedParameters.RequireModules(model, modulesToSave);

        var layers = chosen.Select(m => new LoraLinear(m.name, (Linear)m.module, options.R, options.Scale, options.Dropout)).ToList();
        TrainedParameters.FreezeAllBut(model, IsLoraParameter, modulesToSave);
        // PEFT writes fan_in_fan_out = true once it adapts a Conv1D (it corrects the flag per layer type); module paths are
        // the checkpoint's names, so the registration's rule tells which of them transformers keeps as Conv1D.
        var fanInFanOut = architecture is not null && chosen.Any(m => architecture.StoresTransposed(m.name + ".weight"));
        return new LoraModel(model, options with { TargetModules = targets.ToString() }, targets, layers, modulesToSave, baseModelNameOrPath, fanInFanOut)
        {
            Task = task,
        };
    }

    /// <summary>True for the adapter matrices (<c>*.lora_A.weight</c>, <c>*.lora_B.weight</c>).</summary>
    public static bool IsLoraParameter(string name) =>
        name.Contains(".lora_A.", StringComparison.Ordinal) || name.Contains(".lora_B.", StringComparison.Ordinal);

    /// <summary>Folds every adapter into its base weight, for inference without the extra matmuls.</summary>
    public void Merge()
    {
        foreach (var layer in Layers) layer.Merge();
    }

    /// <summary>Restores the base weights after <see cref="Merge"/>.</summary>
    public void Unmerge()
    {
        foreach (var layer in Layers) layer.Unmerge();
    }

    /// <summary>Writes adapter_config.json and adapter_model.safetensors (adapter and modules_to_save tensors only) in PEFT's layout.</summary>
    public void SaveAdapter(string dir)
    {
        AdapterConfig.Save(dir, Options, _targets, Layers.Select(l => l.Path), ModulesToSave, BaseModelNameOrPath, Task, FanInFanOut);
        AdapterWeights.Save(dir, this);
    }

    /// <summary>
    /// Writes <paramref name="classifier"/> (the model this LoRA adapts) as an ordinary transformers classifier
    /// folder with the adapters merged into the base weights (PEFT's merge_and_unload + save_pretrained): no lora_*
    /// tensors, loadable by <see cref="SequenceClassifierFactory.FromPretrained"/>. The live model is left as it was.
    /// </summary>
    public void SaveMerged(ISequenceClassifier classifier, string dir)
    {
        if (!ReferenceEquals(classifier.Module, Model)) throw new ArgumentException("The classifier is not the model this LoRA adapts.", nameof(classifier));
        var wasMerged = IsMerged;
        Merge();
        try
        {
            classifier.SavePretrained(dir); // config.json as the classifier writes it
            var baseWeights = Model.state_dict().Where(kv => !IsLoraParameter(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            // Replaces the weights file without the adapter tensors, in transformers' layout (GPT-2's Conv1D weights [in, out]).
            PretrainedFiles.SaveWeights(dir, classifier.Config, baseWeights);
        }
        finally
        {
            if (!wasMerged) Unmerge();
        }
    }

    /// <summary>
    /// Applies the adapter saved in <paramref name="adapterDir"/> to <paramref name="model"/> (a base classifier, e.g.
    /// from <see cref="SequenceClassifierFactory.FromPretrained"/>) and loads its LoRA and head weights.
    /// </summary>
    /// <exception cref="PeftException">
    /// The folder is not a LoRA adapter, its target modules do not exist in the model, or its tensors do not fit it.
    /// </exception>
    public static LoraModel LoadAdapter(nn.Module model, string adapterDir)
    {
        var (options, targets, baseModel) = AdapterConfig.Load(adapterDir);
        var task = ModelTasks.FromPeftTaskType(AdapterFiles.ReadConfig(adapterDir)["task_type"]?.GetValue<string>()) ?? ModelTask.SequenceClassification;
        var architecture = model is ITaskModel taskModel ? ModelArchitectures.Find(taskModel.Config.ModelType) : null;
        var lora = Apply(model, options, targets, baseModel, task, architecture);
        AdapterWeights.LoadInto(adapterDir, lora);
        return lora;
    }

    /// <summary>
    /// Loads the base classifier from <paramref name="baseModelDir"/> and applies the adapter of <paramref name="adapterDir"/>
    /// (the head comes from the adapter). The model is returned in eval mode.
    /// </summary>
    public static (ISequenceClassifier Classifier, LoraModel Lora) FromPretrained(string baseModelDir, string adapterDir, SequenceClassificationOptions options) =>
        PeftClassifierLoader.OnFreshBase(baseModelDir, options, classifier => (classifier, LoadAdapter(classifier.Module, adapterDir)));

    private static IEnumerable<string> LinearNames(List<(string name, nn.Module module)> modules, IReadOnlyList<string> modulesToSave) =>
        modules.Where(m => m.module is Linear && !TrainedParameters.IsUnderModuleToSave(m.name, modulesToSave))
            .Select(m => m.name[(m.name.LastIndexOf('.') + 1)..]).Distinct();
}
