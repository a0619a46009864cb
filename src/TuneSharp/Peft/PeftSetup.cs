using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tokenization;

namespace TuneSharp.Peft;

/// <summary>
/// A classifier ready for training with a fine-tuning method: <see cref="Classifier"/> is what the task calls
/// (the original classifier, or a wrapper that adds virtual tokens for prompt tuning) and <see cref="Adapter"/>
/// is what gets saved instead of the full model (null for full / freeze / BitFit, which save the whole model).
/// </summary>
public sealed record PeftApplied(ISequenceClassifier Classifier, IPeftAdapter? Adapter);

/// <summary>
/// Any task model ready for training with a fine-tuning method: <see cref="Model"/> is what the task calls (the model
/// itself, or prompt tuning's wrapper of it, which implements the same task interface) and <see cref="Adapter"/> is what
/// gets saved instead of the full model (null for the methods that save the whole model).
/// </summary>
public sealed record PeftAppliedModel(ITaskModel Model, IPeftAdapter? Adapter);

/// <summary>Applies a <see cref="PeftOptions"/> to a task model before training, through <see cref="PeftMethodTable"/>.</summary>
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
        var applied = Apply((ITaskModel)classifier, options, baseModelNameOrPath, tokenizer);
        return new((ISequenceClassifier)applied.Model, applied.Adapter);
    }

    /// <summary>
    /// Applies the method to any task model; the head its architecture registers for the model's task trains (and is
    /// saved with an adapter), whatever the task.
    /// </summary>
    /// <exception cref="PeftException">The options do not fit the model.</exception>
    public static PeftAppliedModel Apply(ITaskModel model, PeftOptions options, string? baseModelNameOrPath = null, TextTokenizer? tokenizer = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return PeftMethodTable.For(options.Method).Apply(model, options, new PeftContext(baseModelNameOrPath, tokenizer));
    }
}
