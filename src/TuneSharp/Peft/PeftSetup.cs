using TuneSharp.Peft.BitFit;
using TuneSharp.Peft.Bottleneck;
using TuneSharp.Peft.Freeze;
using TuneSharp.Peft.Lora;
using TuneSharp.Peft.PromptTuning;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tokenization;

namespace TuneSharp.Peft;

/// <summary>
/// A classifier ready for training with a fine-tuning method: <see cref="Classifier"/> is what the task calls
/// (the original classifier, or a wrapper that adds virtual tokens for prompt tuning) and <see cref="Adapter"/>
/// is what gets saved instead of the full model (null for full / freeze / BitFit, which save the whole model).
/// </summary>
public sealed record PeftApplied(ISequenceClassifier Classifier, IPeftAdapter? Adapter);

/// <summary>Applies a <see cref="PeftOptions"/> to a classifier before training.</summary>
public static class PeftSetup
{
    /// <summary>Sets requires_grad (and adds adapters) as <paramref name="options"/> asks.</summary>
    /// <param name="classifier">A fresh base classifier.</param>
    /// <param name="options">The method and its settings.</param>
    /// <param name="baseModelNameOrPath">Written into adapter folders as base_model_name_or_path.</param>
    /// <param name="tokenizer">The model's tokenizer: prompt tuning's TEXT initialisation needs it.</param>
    /// <exception cref="PeftException">The options do not fit the model.</exception>
    public static PeftApplied Apply(ISequenceClassifier classifier, PeftOptions options, string? baseModelNameOrPath = null, TextTokenizer? tokenizer = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        switch (options.Method)
        {
            case PeftMethod.Full:
                return new(classifier, null);
            case PeftMethod.Freeze:
                Freezing.Apply(classifier.Module, options.Freeze);
                return new(classifier, null);
            case PeftMethod.BitFit:
                BitFitting.Apply(classifier.Module);
                return new(classifier, null);
            case PeftMethod.Lora:
                return new(classifier, LoraModel.Apply(classifier, options.Lora, baseModelNameOrPath));
            case PeftMethod.Adapter:
                return new(classifier, BottleneckAdapterModel.Apply(classifier, options.Adapter, baseModelNameOrPath));
            case PeftMethod.PromptTuning:
                var prompt = PromptTuningModel.Apply(classifier, options.PromptTuning, tokenizer, baseModelNameOrPath);
                return new(prompt.Classifier, prompt); // the task must call the classifier that adds the virtual tokens
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Method, "Unknown method.");
        }
    }
}
