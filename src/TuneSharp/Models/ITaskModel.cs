using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>
/// A backbone with a task head, as transformers' <c>*ForSequenceClassification</c>, <c>*ForTokenClassification</c>, ...:
/// what every task model offers whatever its head, so fine-tuning methods (PEFT), the planner and saving treat all tasks
/// alike. Task-specific contracts (<c>ISequenceClassifier</c>, <c>ITokenClassifier</c>) add the forward pass.
/// </summary>
public interface ITaskModel
{
    /// <summary>The model config (with the head's labels where it has any).</summary>
    PretrainedConfig Config { get; }

    /// <summary>The model as a TorchSharp module (train()/eval(), parameters, device moves).</summary>
    nn.Module Module { get; }

    /// <summary>The task its head serves.</summary>
    ModelTask Task { get; }

    /// <summary>The word embedding table that turns input ids into the vectors the first layer sees ([vocab, hidden]).</summary>
    Embedding InputEmbeddings { get; }

    /// <summary>
    /// Recompute each transformer layer in the backward pass instead of keeping its activations (transformers'
    /// <c>gradient_checkpointing_enable()</c>): much less activation memory for long inputs, about one extra forward pass.
    /// </summary>
    bool GradientCheckpointing { get; set; }

    /// <summary>Writes config.json and model.safetensors with transformers' names for this architecture and task.</summary>
    void SavePretrained(string dir);
}
