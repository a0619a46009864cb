using static TorchSharp.torch;

namespace TuneSharp.Tasks.QuestionAnswering;

/// <summary>
/// transformers' span loss (<c>BertForQuestionAnswering.forward</c>): positions clamped to [0, T], where T (the sequence
/// length) is the ignored index, cross entropy of the start logits and of the end logits, averaged over the two; summed
/// over the batch (transformers averages it) so accumulated micro-batches add up to one large batch.
/// </summary>
public static class QuestionAnsweringLoss
{
    /// <summary>
    /// The sum over the batch of (start_loss + end_loss) / 2 per row; rows whose positions lie beyond the sequence (the
    /// ignored index after clamping) add nothing. Label smoothing, when set, applies to both cross entropies.
    /// </summary>
    public static Tensor Sum(Tensor startLogits, Tensor endLogits, Tensor startPositions, Tensor endPositions, double labelSmoothing = 0)
    {
        using var scope = NewDisposeScope();
        var ignored = startLogits.shape[1];
        var starts = startPositions.clamp(0, ignored);
        var ends = endPositions.clamp(0, ignored);
        var startLoss = nn.functional.cross_entropy(startLogits, starts, ignore_index: ignored, reduction: nn.Reduction.Sum, label_smoothing: labelSmoothing);
        var endLoss = nn.functional.cross_entropy(endLogits, ends, ignore_index: ignored, reduction: nn.Reduction.Sum, label_smoothing: labelSmoothing);
        return ((startLoss + endLoss) / 2).MoveToOuterDisposeScope();
    }
}
