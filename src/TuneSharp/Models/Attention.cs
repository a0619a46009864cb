using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>Scaled dot-product attention as the models use it: softmax(q·kᵀ/√d + mask)·v, with dropout on the probabilities.</summary>
public static class Attention
{
    /// <summary>
    /// Attention of q [B, H, T, D] over k, v [B, H, S, D] with an additive mask broadcastable to [B, H, T, S].
    /// Without dropout this is libtorch's fused kernel. With dropout it is written out, because the fused CPU kernel
    /// has no dropout and libtorch's fallback samples the mask on one thread (see <see cref="DropoutMask"/>) and adds
    /// a pass for fully masked rows (_safe_softmax) that the finite masks of <see cref="AttentionMasks"/> never need.
    /// </summary>
    public static Tensor ScaledDotProduct(Tensor q, Tensor k, Tensor v, Tensor? additiveMask, double dropout = 0.0)
    {
        if (dropout == 0.0 || !DropoutMask.Supports(q)) return nn.functional.scaled_dot_product_attention(q, k, v, additiveMask, p: dropout);
        using var scope = NewDisposeScope();
        var scores = matmul(q * (1.0 / Math.Sqrt(q.shape[^1])), k.transpose(-2, -1));
        if (additiveMask is not null) scores = scores.add_(additiveMask);
        var probabilities = ParallelDropout.Apply(scores.softmax(-1), dropout, training: true);
        return matmul(probabilities, v).MoveToOuterDisposeScope();
    }
}
