using TuneSharp.Architectures;
using TuneSharp.Checkpoints;
using TuneSharp.Models;

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
        ArgumentNullException.ThrowIfNull(options);
        return TaskModelLoader.Load(modelDir, ModelTask.SequenceClassification, options,
            config => SequenceClassificationConfig.Apply(config, options),
            (_, head, config) => (ISequenceClassifier)head.Create!(config),
            "classification");
    }
}
