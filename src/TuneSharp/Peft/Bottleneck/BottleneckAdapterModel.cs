using TorchSharp.Modules;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using static TorchSharp.torch;

namespace TuneSharp.Peft.Bottleneck;

/// <summary>
/// Bottleneck adapters applied to a model in place (Houlsby or Pfeiffer placement): every chosen output projection
/// gets a <see cref="BottleneckAdapterLayer"/>, all base weights are frozen, and the modules to save (by default the
/// classification head) stay trainable. The model object stays the same, so the trainer and tasks use it unchanged.
/// Unlike LoRA, an adapter cannot be merged into the base weights: it is a non-linear function.
/// </summary>
public sealed class BottleneckAdapterModel : IPeftAdapter
{
    /// <summary>Prefix of every tensor key in adapter_model.safetensors, as PEFT nests its wrapped models.</summary>
    public const string KeyPrefix = "base_model.model.";

    private BottleneckAdapterModel(nn.Module model, BottleneckOptions options, int bottleneckSize,
        IReadOnlyList<BottleneckAdapterLayer> layers, IReadOnlyList<string> modulesToSave, string? baseModelNameOrPath)
    {
        Model = model;
        Options = options;
        BottleneckSize = bottleneckSize;
        Layers = layers;
        ModulesToSave = modulesToSave;
        BaseModelNameOrPath = baseModelNameOrPath;
    }

    /// <inheritdoc/>
    public nn.Module Model { get; }

    /// <inheritdoc/>
    public string PeftType => BottleneckConfig.PeftType;

    /// <inheritdoc/>
    public string? BaseModelNameOrPath { get; set; }

    /// <summary>The hyper-parameters used.</summary>
    public BottleneckOptions Options { get; }

    /// <summary>Width of the bottleneck: hidden size / reduction factor (at least 1).</summary>
    public int BottleneckSize { get; }

    /// <summary>The adapters, in module order.</summary>
    public IReadOnlyList<BottleneckAdapterLayer> Layers { get; }

    /// <summary>Module paths trained fully and saved with the adapter.</summary>
    public IReadOnlyList<string> ModulesToSave { get; }

    /// <inheritdoc/>
    public string Describe() =>
        $"Bottleneck adapters ({Options.Variant}): {Layers.Count} adapters, {BottleneckSize} wide (reduction factor {Options.ReductionFactor}, {Options.NonLinearity}), training also {string.Join(", ", ModulesToSave)}.";

    /// <summary>Adds adapters to a TuneSharp classifier; its model_type decides where they go.</summary>
    /// <exception cref="PeftException">Bad options, or the architecture has no known placement.</exception>
    public static BottleneckAdapterModel Apply(ITaskModel classifier, BottleneckOptions options, string? baseModelNameOrPath = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var adapter = Apply(classifier.Module, classifier.Config.ModelType,
            options with { ModulesToSave = options.ModulesToSave ?? PeftLayout.HeadsOf(classifier) }, baseModelNameOrPath);
        adapter.Task = classifier.Task;
        return adapter;
    }

    /// <summary>The task of the adapted model, saved as adapter_config.json's task_type.</summary>
    public ModelTask Task { get; private set; } = ModelTask.SequenceClassification;

    /// <summary>Adds adapters to any module with Hugging Face names; <paramref name="modelType"/> decides where they go.</summary>
    /// <exception cref="PeftException">Bad options, or the architecture has no known placement.</exception>
    public static BottleneckAdapterModel Apply(nn.Module model, string modelType, BottleneckOptions options, string? baseModelNameOrPath = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var sites = PeftLayout.BottleneckSites(modelType, options.Variant);
        var modules = model.named_modules().ToList();
        if (modules.Any(m => m.name.EndsWith(".adapter_down", StringComparison.Ordinal)))
            throw new PeftException("This model already has bottleneck adapters; add adapters to a fresh base model.");
        var modulesToSave = options.ModulesToSave ?? PeftLayout.HeadsOf(model);
        TrainedParameters.RequireModules(model, modulesToSave);
        var chosen = modules.Where(m => m.module is Linear && sites.IsMatch(m.name)).ToList();
        if (chosen.Count == 0)
            throw new PeftException($"No layer of this {modelType} model matches the {options.Variant} adapter placement ({sites}).");

        var width = ((Linear)chosen[0].module).weight!.shape[0];
        var bottleneckSize = (int)Math.Max(1, width / options.ReductionFactor);
        var layers = chosen.Select(m => new BottleneckAdapterLayer(m.name, (Linear)m.module, bottleneckSize, options.NonLinearity)).ToList();
        TrainedParameters.FreezeAllBut(model, BottleneckAdapterLayer.IsAdapterParameter, modulesToSave);
        return new BottleneckAdapterModel(model, options with { ModulesToSave = modulesToSave }, bottleneckSize, layers, modulesToSave, baseModelNameOrPath);
    }

    /// <summary>The tensors saved in adapter_model.safetensors, by key (views of the live parameters).</summary>
    public Dictionary<string, Tensor> AdapterStateDict() =>
        TrainedParameters.StateDict(Model, KeyPrefix, BottleneckAdapterLayer.IsAdapterParameter, ModulesToSave);

    /// <inheritdoc/>
    public void SaveAdapter(string dir)
    {
        BottleneckConfig.Save(dir, Options, BottleneckSize, Layers.Select(l => l.Path), ModulesToSave, BaseModelNameOrPath, Task);
        AdapterFiles.SaveTensors(dir, AdapterStateDict());
    }

    /// <inheritdoc/>
    public void LoadAdapterWeights(string dir) => AdapterFiles.LoadTensorsInto(dir, AdapterStateDict());

    /// <summary>
    /// Adds the adapters described in <paramref name="adapterDir"/> to <paramref name="classifier"/> (a fresh base
    /// classifier) and loads their weights and the head's.
    /// </summary>
    /// <exception cref="PeftException">The folder is not a bottleneck adapter or does not fit the model.</exception>
    public static BottleneckAdapterModel LoadAdapter(ITaskModel classifier, string adapterDir)
    {
        var (options, targets, baseModel) = BottleneckConfig.Load(adapterDir);
        var adapter = Apply(classifier, options, baseModel);
        var paths = adapter.Layers.Select(l => l.Path).ToList();
        if (!paths.SequenceEqual(targets))
            throw new PeftException(
                $"{Path.Combine(adapterDir, AdapterFiles.ConfigFileName)}: target_modules lists {targets.Count} layers ({string.Join(", ", targets.Take(2))}...) " +
                $"but this model has {paths.Count} ({string.Join(", ", paths.Take(2))}...): an adapter for another base model?");
        adapter.LoadAdapterWeights(adapterDir);
        return adapter;
    }

    /// <summary>
    /// Loads the base classifier from <paramref name="baseModelDir"/> and the adapter of <paramref name="adapterDir"/>
    /// (the head comes from the adapter). The model is returned in eval mode.
    /// </summary>
    public static (ISequenceClassifier Classifier, BottleneckAdapterModel Adapter) FromPretrained(string baseModelDir, string adapterDir,
        SequenceClassificationOptions options) =>
        PeftClassifierLoader.OnFreshBase(baseModelDir, options, classifier => (classifier, LoadAdapter(classifier, adapterDir)));
}
