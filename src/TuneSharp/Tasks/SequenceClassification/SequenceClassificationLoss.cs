using static TorchSharp.torch;

namespace TuneSharp.Tasks.SequenceClassification;

/// <summary>
/// The losses transformers' sequence classifiers use, per <see cref="ProblemType"/>, always computed in float32
/// (bf16 logits lose too much precision in log-softmax and in the mean). Pure functions: nothing is stored.
/// </summary>
public static class SequenceClassificationLoss
{
    /// <summary>Label value that single-label cross entropy skips, as in PyTorch/transformers.</summary>
    public const long IgnoreIndex = -100;

    /// <summary>
    /// The loss for <paramref name="problemType"/>: <see cref="CrossEntropy"/> (with <paramref name="labelSmoothing"/>),
    /// <see cref="BinaryCrossEntropy"/> or <see cref="MeanSquaredError"/>. Returns a float32 scalar.
    /// </summary>
    public static Tensor Compute(Tensor logits, Tensor labels, ProblemType problemType, double labelSmoothing = 0.0)
    {
        // Always in fp32: bf16 logits (autocast, bf16 weights) would round the loss and its gradient.
        using var fp32 = logits.dtype == ScalarType.Float32 ? null : logits.to_type(ScalarType.Float32);
        var x = fp32 ?? logits;
        return problemType switch
        {
            ProblemType.SingleLabelClassification => CrossEntropy(x, labels, labelSmoothing),
            ProblemType.MultiLabelClassification => BinaryCrossEntropy(x, labels),
            ProblemType.Regression => MeanSquaredError(x, labels),
            _ => throw new ArgumentOutOfRangeException(nameof(problemType), problemType, "Unknown problem type."),
        };
    }

    /// <summary>
    /// Mean cross entropy of <paramref name="logits"/> [B, C] against class indices <paramref name="labels"/> [B],
    /// skipping labels equal to <see cref="IgnoreIndex"/>. With label smoothing ε it is transformers' LabelSmoother:
    /// (1-ε)·mean(NLL) + ε·mean over examples and classes of -log p. All labels ignored gives NaN (0/0), as in PyTorch.
    /// </summary>
    /// <exception cref="SequenceClassificationException">A label outside 0..C-1 (other than the ignore index).</exception>
    public static Tensor CrossEntropy(Tensor logits, Tensor labels, double labelSmoothing = 0.0)
    {
        if (logits.dim() != 2) throw new ArgumentException($"logits must be [batch, classes], got shape [{string.Join(", ", logits.shape)}].", nameof(logits));
        if (labelSmoothing < 0 || labelSmoothing >= 1) throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "Label smoothing must be in [0, 1).");
        using var scope = NewDisposeScope();
        var classes = logits.shape[1];
        var targets = labels.to_type(ScalarType.Int64).reshape(-1);
        if (targets.shape[0] != logits.shape[0])
            throw new ArgumentException($"{logits.shape[0]} rows of logits but {targets.shape[0]} labels.", nameof(labels));
        CheckClassIndices(targets, classes);

        var negLogProbs = -nn.functional.log_softmax(logits.to_type(ScalarType.Float32), 1); // [B, C]
        var ignored = targets.eq(IgnoreIndex);
        var active = ignored.logical_not().to_type(ScalarType.Float32);
        var activeCount = active.sum();
        var nll = negLogProbs.gather(1, targets.clamp_min(0).unsqueeze(1)).squeeze(1); // [B]
        var loss = (nll * active).sum() / activeCount;
        if (labelSmoothing > 0)
        {
            var uniform = (negLogProbs.sum(1) * active).sum() / (activeCount * classes);
            loss = (1 - labelSmoothing) * loss + labelSmoothing * uniform;
        }
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Mean binary cross entropy with logits over every (example, class) pair; <paramref name="labels"/> [B, C] 0/1 (or soft) targets.</summary>
    public static Tensor BinaryCrossEntropy(Tensor logits, Tensor labels)
    {
        if (!logits.shape.SequenceEqual(labels.shape))
            throw new ArgumentException($"Multi-label targets must have the logits' shape [{string.Join(", ", logits.shape)}], got [{string.Join(", ", labels.shape)}].", nameof(labels));
        using var scope = NewDisposeScope();
        var loss = nn.functional.binary_cross_entropy_with_logits(logits.to_type(ScalarType.Float32), labels.to_type(ScalarType.Float32));
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Mean squared error. With one output, logits [B, 1] and labels [B] or [B, 1] are compared as vectors
    /// (transformers squeezes both); with several outputs, labels must have the logits' shape.
    /// </summary>
    public static Tensor MeanSquaredError(Tensor logits, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var (input, target) = (logits.to_type(ScalarType.Float32), labels.to_type(ScalarType.Float32));
        if (logits.dim() == 2 && logits.shape[1] == 1)
        {
            input = input.reshape(-1);
            target = target.reshape(-1);
        }
        if (!input.shape.SequenceEqual(target.shape))
            throw new ArgumentException($"Regression targets of shape [{string.Join(", ", labels.shape)}] do not match logits [{string.Join(", ", logits.shape)}].", nameof(labels));
        return nn.functional.mse_loss(input, target).MoveToOuterDisposeScope();
    }

    /// <summary>A bad label would otherwise surface as an opaque native index error (or silently wrong on some devices).</summary>
    private static void CheckClassIndices(Tensor targets, long classes)
    {
        using var scope = NewDisposeScope();
        var bad = targets.ne(IgnoreIndex).logical_and(targets.lt(0).logical_or(targets.ge(classes)));
        if (!bad.any().item<bool>()) return;
        var first = targets.masked_select(bad)[0].item<long>();
        throw new SequenceClassificationException(
            $"Label {first} is out of range for a classifier with {classes} classes: single-label targets must be class indices 0..{classes - 1} (or {IgnoreIndex} to skip an example).");
    }
}
