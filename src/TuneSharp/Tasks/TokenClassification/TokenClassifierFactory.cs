using TuneSharp.Architectures;
using TuneSharp.Checkpoints;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;

namespace TuneSharp.Tasks.TokenClassification;

/// <summary>
/// Builds a token classifier for a model folder, as transformers' <c>AutoModelForTokenClassification</c>: a base
/// checkpoint gets a new head (listed in the report as newly initialised), a saved token classifier restores its head.
/// </summary>
public static class TokenClassifierFactory
{
    /// <summary>model_type values with a token-classification model.</summary>
    public static IReadOnlyList<string> SupportedModelTypes => ModelArchitectures.WithTask(ModelTask.TokenClassification);

    /// <summary>
    /// Loads config.json and the safetensors weights of <paramref name="modelDir"/> into a token classifier with the labels
    /// of <paramref name="options"/> (<see cref="SequenceClassificationOptions.ProblemType"/> does not apply and is ignored).
    /// Returned in eval mode; new weights are drawn from torch's global generator (seed it for reproducible heads).
    /// </summary>
    /// <exception cref="SequenceClassificationException">No token-classification head for the model_type, inconsistent labels, or a saved head of another size.</exception>
    public static (ITokenClassifier Model, LoadReport Report) FromPretrained(string modelDir, SequenceClassificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return TaskModelLoader.Load<ITokenClassifier>(modelDir, ModelTask.TokenClassification, options,
            config => SequenceClassificationConfig.ApplyLabelsAndDropout(config, options),
            (architecture, head, config) => head.Create is { } create ? (ITokenClassifier)create(config) : new TokenClassificationModel(config),
            "token-classification");
    }
}
