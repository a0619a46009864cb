using TuneSharp.Architectures.Bert;
using TuneSharp.Architectures.Llama;
using TuneSharp.Models;

namespace TuneSharp.Planning;

/// <summary>
/// The memory a training step's activations take: the tensors autograd keeps from the forward pass for the backward
/// pass, counted from what this library's BERT and Llama layers save (fp32, 4 bytes an element), for the longest batch
/// of a run. T = batch × length tokens, H hidden size, I intermediate size, A heads, S length:
/// <list type="bullet">
/// <item>BERT layer: 10·T·H (attention input; Q, K, V; context; the attention output's dropout mask; two LayerNorm
/// inputs; the feed-forward input and its dropout mask) + 2·T·I (GELU input and output) + with attention dropout
/// 3·B·A·S² (softmax output, its dropout mask, the dropped probabilities), without it the fused kernel's output and
/// log-sum-exp (T·H + B·A·S).</item>
/// <item>Llama layer: 11·T·H (each RMSNorm's input, normalised input and output; Q after rotation; K and V repeated to
/// all heads; the attention output and its reshaped copy for the output projection) + 4·T·I (gate, up, SiLU output,
/// their product) + the fused attention's log-sum-exp (B·A·S), or 3·B·A·S² with attention dropout.</item>
/// </list>
/// When the layers' weight matrices do not train (LoRA, adapters, BitFit, prompt tuning), tensors kept only as the input
/// of a weight matrix are not kept: BERT's context and feed-forward input and GELU output (2·T·H + T·I), Llama's second
/// RMSNorm output, the output projection's input and the SiLU-gate product (2·T·H + T·I).
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
        if (Layer(config, batch, length) is not { } shape) return null;
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

    /// <summary>
    /// One layer's saved elements (and how many of them only feed weight matrices), its input, the widest single tensor,
    /// the embeddings' saved elements and the layer count.
    /// </summary>
    private readonly record struct LayerShape(long Saved, long SavedOnlyForWeights, long Input, long Widest, long Embeddings, int Count);

    private static LayerShape? Layer(PretrainedConfig config, long batch, long length)
    {
        var tokens = batch * length;
        switch (config)
        {
            case BertConfig bert:
            {
                long h = bert.HiddenSize, i = bert.IntermediateSize, a = bert.NumAttentionHeads;
                var squares = batch * a * length * length;
                var attention = bert.AttentionProbsDropoutProb > 0 ? 3 * squares : tokens * h + batch * a * length;
                var saved = 10 * tokens * h + 2 * tokens * i + attention;
                var widest = Math.Max(tokens * i, bert.AttentionProbsDropoutProb > 0 ? squares : 0);
                return new LayerShape(saved, 2 * tokens * h + tokens * i, tokens * h, widest, 2 * tokens * h, bert.NumHiddenLayers);
            }
            case LlamaConfig llama:
            {
                long h = llama.HiddenSize, i = llama.IntermediateSize, a = llama.NumAttentionHeads;
                var squares = batch * a * length * length;
                var attention = llama.AttentionDropout > 0 ? 3 * squares : batch * a * length;
                var saved = 11 * tokens * h + 4 * tokens * i + attention;
                var widest = Math.Max(tokens * i, llama.AttentionDropout > 0 ? squares : 0);
                return new LayerShape(saved, 2 * tokens * h + tokens * i, tokens * h, widest, 0, llama.NumHiddenLayers);
            }
            default:
                return null;
        }
    }
}
