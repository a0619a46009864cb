using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>
/// Next-token cross-entropy as transformers computes it for causal LMs: the logits at position t are scored
/// against labels[t + 1] (labels are the input ids themselves, not pre-shifted), positions whose label is
/// <c>ignoreIndex</c> (-100: padding, prompt tokens) are skipped, and the mean is over the remaining tokens.
/// Computed in fp32 even for bf16 logits, as HF does, because log-softmax over a large vocabulary loses
/// precision in 16-bit.
/// </summary>
public static class CausalLmLoss
{
    /// <summary>Mean next-token NLL (a scalar tensor, differentiable). logits [B, T, V], labels [B, T] int64.</summary>
    public static Tensor Compute(Tensor logits, Tensor labels, long ignoreIndex = -100)
    {
        using var scope = NewDisposeScope();
        var (shiftedLogits, shiftedLabels) = Shift(logits, labels);
        var loss = nn.functional.cross_entropy(shiftedLogits, shiftedLabels, ignore_index: ignoreIndex);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>NLL of each next token, [B, T-1]; 0 where the label is <paramref name="ignoreIndex"/>.</summary>
    public static Tensor PerToken(Tensor logits, Tensor labels, long ignoreIndex = -100)
    {
        using var scope = NewDisposeScope();
        var (shiftedLogits, shiftedLabels) = Shift(logits, labels);
        var losses = nn.functional.cross_entropy(shiftedLogits, shiftedLabels, ignore_index: ignoreIndex, reduction: nn.Reduction.None);
        return losses.view(labels.shape[0], labels.shape[1] - 1).MoveToOuterDisposeScope();
    }

    private static (Tensor Logits, Tensor Labels) Shift(Tensor logits, Tensor labels)
    {
        if (logits.dim() != 3 || labels.dim() != 2 || logits.shape[0] != labels.shape[0] || logits.shape[1] != labels.shape[1])
            throw new ArgumentException($"expected logits [B, T, V] and labels [B, T]; got [{string.Join(", ", logits.shape)}] and [{string.Join(", ", labels.shape)}]");
        var (length, vocab) = (logits.shape[1], logits.shape[2]);
        var shiftedLogits = logits.narrow(1, 0, length - 1).to_type(ScalarType.Float32).reshape(-1, vocab);
        var shiftedLabels = labels.narrow(1, 1, length - 1).to_type(ScalarType.Int64).reshape(-1);
        return (shiftedLogits, shiftedLabels);
    }
}
