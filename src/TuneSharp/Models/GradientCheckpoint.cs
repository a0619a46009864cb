using TorchSharp;
using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>
/// Gradient checkpointing (activation recomputation) for a segment of a model, like PyTorch's reentrant
/// <c>torch.utils.checkpoint</c>: the forward pass runs the segment without building a graph and keeps only its input;
/// the backward pass re-runs the segment with the same random state (identical dropout masks) and back-propagates
/// through the recomputed graph. Parameter gradients and the input gradient are the same as without checkpointing;
/// the segment's activations live only while its own backward runs, at the cost of one extra forward of the segment.
/// </summary>
/// <remarks>
/// <para>Random state: only torch's default CPU generator is saved and restored (TorchSharp-cpu has no other). The
/// generator's state after the backward pass is exactly what it would be without checkpointing, so the rest of the
/// run (and a resumed run) draws the same numbers.</para>
/// <para>Tensors the segment closes over are read again during the backward pass. A tensor created in a dispose scope
/// that ends before <c>backward()</c> (an attention mask built inside the model's forward, rotary tables...) must
/// therefore be passed through <c>constants</c>, never captured by the lambda; constants are treated as
/// non-differentiable (no gradient flows into them). Parameters reached through the lambda (the layer itself) are fine.</para>
/// <para>The segment must be a pure function of its input, its constants, its parameters and the random generator, and
/// must not modify its input in place (the backward pass then fails: "modified by an inplace operation").</para>
/// <para>Failures during the backward pass: the recomputation runs inside libtorch's backward engine, which a .NET
/// exception cannot unwind. The failure is kept in <see cref="LastBackwardFailure"/> and the engine is made to fail
/// instead, so the caller's <c>backward()</c> throws a catchable exception (whose message only says that a gradient
/// had an invalid shape: read <see cref="LastBackwardFailure"/> for the cause).</para>
/// </remarks>
public static class GradientCheckpoint
{
    private static volatile Exception? lastBackwardFailure;

    /// <summary>
    /// The exception that made the last failed checkpoint recomputation fail (null when none has failed). When
    /// <c>backward()</c> throws after a checkpointed forward, this holds the actual cause.
    /// </summary>
    public static Exception? LastBackwardFailure => lastBackwardFailure;

    internal static void RecordBackwardFailure(Exception failure) => lastBackwardFailure = failure;

    /// <summary>
    /// Whether layer <paramref name="index"/> of a stack of <paramref name="count"/> runs checkpointed: when checkpointing
    /// is <paramref name="enabled"/>, the stack trains and gradients are recorded, for every layer but the last. The last
    /// keeps its activations: the backward pass would recompute it first thing, while they are still the only layer's
    /// activations alive, so that would cost a forward pass and save no peak memory.
    /// </summary>
    public static bool AppliesTo(bool enabled, nn.Module stack, int index, int count) =>
        enabled && stack.training && is_grad_enabled() && index < count - 1;

    /// <summary>Runs <paramref name="segment"/> on <paramref name="input"/> with checkpointing.</summary>
    /// <param name="segment">The segment, e.g. <c>h =&gt; layer.forward(h)</c>. It must not capture tensors that may be
    /// disposed before the backward pass: use the overload with constants for those.</param>
    /// <param name="input">The segment's input (typically the hidden states); its gradient is computed when it requires grad.</param>
    /// <param name="parametersOwner">The module holding the segment's parameters (usually the layer). When given and none of
    /// its parameters requires grad and neither does the input, the segment simply runs (nothing to differentiate). When
    /// null, the segment is assumed to have trainable parameters.</param>
    /// <returns>The segment's output, attached to the graph through one checkpoint node.</returns>
    public static Tensor Run(Func<Tensor, Tensor> segment, Tensor input, nn.Module? parametersOwner = null)
    {
        ArgumentNullException.ThrowIfNull(segment);
        return Run((x, _) => segment(x), input, [], parametersOwner);
    }

    /// <summary>Runs <paramref name="segment"/> on <paramref name="input"/> and <paramref name="constants"/> with checkpointing.</summary>
    /// <param name="segment">The segment; it receives the input (detached during recomputation) and the constants in the
    /// order given, e.g. <c>(h, c) =&gt; layer.forward(h, c[0])</c> with <c>constants = [attentionMask]</c>.</param>
    /// <param name="input">The segment's input; its gradient is computed when it requires grad.</param>
    /// <param name="constants">Non-differentiable tensors the segment reads (attention masks, rotary cos/sin); entries may be
    /// null. The checkpoint keeps its own reference, so the caller may dispose its handles after this call.</param>
    /// <param name="parametersOwner">See <see cref="Run(Func{Tensor, Tensor}, Tensor, nn.Module?)"/>.</param>
    /// <returns>The segment's output, attached to the graph through one checkpoint node.</returns>
    public static Tensor Run(Func<Tensor, IReadOnlyList<Tensor?>, Tensor> segment, Tensor input, IReadOnlyList<Tensor?> constants,
        nn.Module? parametersOwner = null)
    {
        ArgumentNullException.ThrowIfNull(segment);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(constants);

        // No graph will be built (no_grad, inference mode): nothing would be kept anyway, checkpointing only costs time.
        if (!is_grad_enabled()) return segment(input, constants);
        var inputNeedsGrad = input.requires_grad;
        if (!inputNeedsGrad && parametersOwner is not null && !parametersOwner.parameters().Any(p => p.requires_grad))
            return segment(input, constants);

        using var scope = NewDisposeScope();
        // A custom autograd node only joins the graph when one of its tensor arguments requires grad. With a frozen input
        // (the embeddings of a LoRA / prompt-tuned model) the trainable parameters inside the segment still need
        // gradients, so an empty leaf that requires grad is always passed as the node's trigger. It never receives a
        // gradient, except an invalid one that reports a failed recomputation (see CheckpointedSegment.backward).
        var trigger = empty(0, requires_grad: true);
        var args = new List<object?> { segment, input, trigger };
        // Detached so that no gradient edge leads into them (they are documented as non-differentiable).
        foreach (var constant in constants) args.Add(constant?.detach());
        var output = CheckpointedSegment.apply(args.ToArray()!);
        return output.MoveToOuterDisposeScope();
    }
}
