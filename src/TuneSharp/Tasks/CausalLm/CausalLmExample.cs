namespace TuneSharp.Tasks.CausalLm;

/// <summary>
/// One training sequence of a causal language model: token ids and, per token, the id the loss predicts there or
/// <see cref="IgnoreIndex"/> where no loss is taken (prompts, system and user turns). Labels are not shifted: the loss
/// predicts <c>Labels[t]</c> from tokens 0..t−1, as transformers' <c>labels</c>.
/// </summary>
/// <param name="InputIds">Token ids.</param>
/// <param name="Labels">Same length: the token id where it is trained, else <see cref="IgnoreIndex"/>.</param>
public sealed record CausalLmExample(int[] InputIds, int[] Labels)
{
    /// <summary>transformers' ignore index of the cross-entropy loss.</summary>
    public const int IgnoreIndex = -100;

    /// <summary>Number of tokens whose prediction is trained (labels other than <see cref="IgnoreIndex"/>, the first
    /// token excluded: nothing predicts it).</summary>
    public int TrainedTokens => Labels.Skip(1).Count(l => l != IgnoreIndex);
}

/// <summary>
/// Several <see cref="CausalLmExample"/>s laid end to end in one sequence (<c>--packing</c>). <see cref="SegmentIds"/>
/// numbers them 1, 2, 3... so attention never crosses from one to another, and <see cref="PositionIds"/> restarts at 0
/// for each, so every example sees exactly what it would alone.
/// </summary>
/// <param name="InputIds">The examples' ids, concatenated.</param>
/// <param name="Labels">Their labels, concatenated, with the first token of every example set to
/// <see cref="CausalLmExample.IgnoreIndex"/> (it would otherwise be predicted from the previous example).</param>
/// <param name="SegmentIds">1 for the first example's tokens, 2 for the second's, ...</param>
/// <param name="PositionIds">0..n−1 within each example.</param>
public sealed record PackedSequence(int[] InputIds, int[] Labels, int[] SegmentIds, int[] PositionIds);
