using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.CausalLm;

/// <summary>
/// The causal language-modelling loss: cross entropy of the token at t + 1 predicted from the hidden state at t, summed
/// over the trained positions (labels other than <see cref="CausalLmExample.IgnoreIndex"/>), as transformers' shifted
/// loss. It projects only the trained positions onto the vocabulary (a response-only batch skips every prompt token's
/// logits), in chunks of at most <c>chunkTokens</c> rows, each in float32. While training, every chunk but a lone one
/// is checkpointed: its logits are dropped after the forward pass and recomputed in its own backward step, so at most
/// one chunk of [rows, vocabulary] float32 logits (and its gradient) is alive at once instead of the whole batch's.
/// <see cref="Compute"/> and <see cref="PerToken"/> score logits the model has already computed. Always in float32,
/// even for bf16 models, as transformers does: a log-softmax over a large vocabulary loses precision in 16 bits.
/// </summary>
public static class CausalLmLoss
{
    /// <summary>Default rows of logits computed at once: 1,024 rows of a 32,000-token vocabulary are 131 MB in float32.</summary>
    public const int DefaultChunkTokens = 1024;

    /// <summary>
    /// Summed loss (a float32 scalar on the graph) and the number of positions it covers.
    /// </summary>
    /// <param name="model">The language model, whose head projects the hidden states.</param>
    /// <param name="hidden">The backbone's last hidden states [B, T, hidden].</param>
    /// <param name="labels">int64 [B, T] unshifted labels (the input ids where trained, else the ignore index).</param>
    /// <param name="labelSmoothing">transformers' label_smoothing_factor.</param>
    /// <param name="chunkTokens">Rows of logits computed at once.</param>
    public static (Tensor Sum, long Count) Sum(CausalLanguageModel model, Tensor hidden, Tensor labels, double labelSmoothing = 0,
        int chunkTokens = DefaultChunkTokens)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkTokens, 1);
        using var scope = NewDisposeScope();
        var length = hidden.shape[1];
        if (length < 2) return (zeros(1, dtype: ScalarType.Float32).sum().MoveToOuterDisposeScope(), 0);
        var states = hidden.narrow(1, 0, length - 1).reshape(-1, hidden.shape[2]);
        var targets = labels.to(hidden.device).narrow(1, 1, length - 1).reshape(-1);
        var trained = targets.ne(CausalLmExample.IgnoreIndex).nonzero().squeeze(1);
        var count = trained.shape[0];
        if (count == 0) return ((hidden.sum() * 0).to_type(ScalarType.Float32).MoveToOuterDisposeScope(), 0);
        states = states.index_select(0, trained);
        targets = targets.index_select(0, trained);
        var checkpoint = count > chunkTokens && model.training && is_grad_enabled();
        Tensor? sum = null;
        for (long first = 0; first < count; first += chunkTokens)
        {
            var rows = Math.Min(chunkTokens, count - first);
            var part = targets.narrow(0, first, rows);
            var chunk = states.narrow(0, first, rows);
            var loss = checkpoint
                ? GradientCheckpoint.Run((x, c) => ChunkLoss(model, x, c[0]!, labelSmoothing), chunk, [part], model)
                : ChunkLoss(model, chunk, part, labelSmoothing);
            sum = sum is null ? loss : sum + loss;
        }
        return (sum!.MoveToOuterDisposeScope(), count);
    }

    private static Tensor ChunkLoss(CausalLanguageModel model, Tensor states, Tensor targets, double labelSmoothing)
    {
        using var scope = NewDisposeScope();
        var logits = model.Project(states).to_type(ScalarType.Float32);
        return nn.functional.cross_entropy(logits, targets, reduction: nn.Reduction.Sum, label_smoothing: labelSmoothing).MoveToOuterDisposeScope();
    }

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
