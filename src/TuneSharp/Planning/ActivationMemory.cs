using TuneSharp.Models;

namespace TuneSharp.Planning;

/// <summary>
/// The memory a training step's activations take: the tensors autograd keeps from the forward pass for the backward
/// pass, counted from what this library's layers save (fp32, 4 bytes an element), for the longest batch
/// of a run, from the per-layer counts each architecture registers (<see cref="Architectures.ModelArchitecture.Activations"/>;
/// BERT's and Llama's registrations list what their layers save).
/// When the layers' weight matrices do not train (LoRA, adapters, BitFit, prompt tuning), tensors kept only as the input
/// of a weight matrix are not kept.
/// Layers below the lowest one with a trainable parameter keep nothing (no gradient flows there). With gradient
/// checkpointing every layer but the last keeps only its input (T·H) and one layer is recomputed at a time, so the peak
/// holds one full layer. The backward pass also holds the gradients of the widest activations for a moment: two of the
/// largest per-layer tensors are added as workspace. Checked against measured peak memory by <c>bench/run plan-accuracy</c>.
/// </summary>
public static class ActivationMemory
{
    private const int BytesPerElement = 4; // fp32; autocast keeps bf16 copies of some, which this does not subtract

    /// <summary>Activation bytes at the peak of a training step, or null for an architecture this does not know.</summary>
    /// <param name="config">The model's configuration (BERT or Llama).</param>
    /// <param name="batch">Examples in the batch.</param>
    /// <param name="length">Padded length of the batch, in tokens.</param>
    /// <param name="layersWithGradient">Layers from the top down that a gradient passes through (all of them unless lower layers are frozen).</param>
    /// <param name="gradientCheckpointing">Whether every layer but the last is recomputed in the backward pass.</param>
    /// <param name="weightMatricesTrain">Whether the layers' own weight matrices train (full fine-tuning, unfrozen layers) or only added or 1-D parameters do.</param>
    public static long? PeakBytes(PretrainedConfig config, int batch, int length, int layersWithGradient, bool gradientCheckpointing,
        bool weightMatricesTrain = true)
    {
        if (Architectures.ModelArchitectures.Find(config.ModelType) is not { } architecture) return null;
        var shape = architecture.Activations(config, batch, length);
        var layer = weightMatricesTrain ? shape : shape with { Saved = shape.Saved - shape.SavedOnlyForWeights };
        var layers = Math.Clamp(layersWithGradient, 0, layer.Count);
        if (layers == 0) return 0;
        long elements = gradientCheckpointing
            ? (layers - 1) * layer.Input + layer.Saved
            : layers * layer.Saved;
        if (layers == layer.Count) elements += layer.Embeddings;
        elements += 2 * layer.Widest;
        return elements * BytesPerElement;
    }
}
