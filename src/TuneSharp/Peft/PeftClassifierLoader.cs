using TuneSharp.Models;
using TuneSharp.Peft.Lora;
using TuneSharp.Tasks.SequenceClassification;
using static TorchSharp.torch;

namespace TuneSharp.Peft;

/// <summary>
/// Opens a trained classifier folder whatever the method that produced it: a full model (config.json +
/// model.safetensors) or a LoRA adapter folder (adapter_config.json + adapter_model.safetensors, whose
/// base_model_name_or_path names the base model; config.json beside it carries the labels and problem type).
/// </summary>
public static class PeftClassifierLoader
{
    /// <summary>True when <paramref name="dir"/> holds a PEFT adapter rather than full weights.</summary>
    public static bool IsAdapterFolder(string dir) => File.Exists(Path.Combine(dir, AdapterConfig.FileName));

    /// <summary>Loads the classifier in eval mode, applying the adapter to its base model when the folder holds one.</summary>
    public static ISequenceClassifier Load(string dir, ScalarType? dtype = null)
    {
        if (!IsAdapterFolder(dir))
            return SequenceClassifierFactory.FromPretrained(dir, new SequenceClassificationOptions { DType = dtype }).Model;

        var (_, _, baseModel) = AdapterConfig.Load(dir);
        if (string.IsNullOrEmpty(baseModel))
            throw new PeftException($"{Path.Combine(dir, AdapterConfig.FileName)}: base_model_name_or_path is empty; the adapter cannot be applied without its base model.");
        if (!Directory.Exists(baseModel))
            throw new PeftException($"{Path.Combine(dir, AdapterConfig.FileName)}: base model folder '{baseModel}' (base_model_name_or_path) does not exist.");
        var options = TrainedHeadOptions(dir, dtype);
        var (classifier, _) = LoraModel.FromPretrained(baseModel, dir, options);
        return classifier;
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
