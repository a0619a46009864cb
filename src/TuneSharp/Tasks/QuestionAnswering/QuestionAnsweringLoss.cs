using static TorchSharp.torch;

namespace TuneSharp.Tasks.QuestionAnswering;

/// <summary>
/// transformers' span loss (<c>BertForQuestionAnswering.forward</c>): positions clamped to [0, T], where T (the sequence
/// length) is the ignored index, cross entropy of the start logits and of the end logits, averaged.
/// </summary>
public static class QuestionAnsweringLoss
{
    /// <summary>(start_loss + end_loss) / 2 for start/end logits [B, T] and positions [B] int64.</summary>
    public static Tensor Compute(Tensor startLogits, Tensor endLogits, Tensor startPositions, Tensor endPositions)
    {
        using var scope = NewDisposeScope();
        var ignored = startLogits.shape[1];
        var starts = startPositions.clamp(0, ignored);
        var ends = endPositions.clamp(0, ignored);
        var startLoss = nn.functional.cross_entropy(startLogits, starts, ignore_index: ignored);
        var endLoss = nn.functional.cross_entropy(endLogits, ends, ignore_index: ignored);
        return ((startLoss + endLoss) / 2).MoveToOuterDisposeScope();
    }
}
