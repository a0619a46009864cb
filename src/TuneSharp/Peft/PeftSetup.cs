using TuneSharp.Peft.BitFit;
using TuneSharp.Peft.Freeze;
using TuneSharp.Peft.Lora;
using TuneSharp.Tasks.SequenceClassification;

namespace TuneSharp.Peft;

/// <summary>Applies a <see cref="PeftOptions"/> to a classifier before training.</summary>
public static class PeftSetup
{
    /// <summary>
    /// Sets requires_grad (and adds LoRA adapters) as <paramref name="options"/> asks. Returns the
    /// <see cref="LoraModel"/> for LoRA (its adapter is what gets saved), null for the other methods.
    /// </summary>
    /// <exception cref="PeftException">The options do not fit the model.</exception>
    public static LoraModel? Apply(ISequenceClassifier classifier, PeftOptions options, string? baseModelNameOrPath = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        switch (options.Method)
        {
            case PeftMethod.Full:
                return null;
            case PeftMethod.Freeze:
                if (options.Freeze is { FreezeEmbeddings: false, FreezeLayers: 0, TrainOnlyHead: false })
                    throw new PeftException("Method \"freeze\" needs something to freeze: FreezeEmbeddings, FreezeLayers > 0 or TrainOnlyHead.");
                Freezing.Apply(classifier.Module, options.Freeze);
                return null;
            case PeftMethod.BitFit:
                BitFitting.Apply(classifier.Module);
                return null;
            case PeftMethod.Lora:
                return LoraModel.Apply(classifier, options.Lora, baseModelNameOrPath);
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Method, "Unknown method.");
        }
    }
}
