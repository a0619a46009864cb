namespace TuneSharp.Evaluation.SequenceLabeling;

/// <summary>One entity (chunk) found in a sentence's tags.</summary>
/// <param name="Type">The entity type, e.g. <c>PER</c> for <c>B-PER</c>; <c>_</c> for a tag with no type (a bare <c>B</c>), as seqeval names it.</param>
/// <param name="Start">Index of the entity's first token in its sentence.</param>
/// <param name="End">Index one past its last token (exclusive), so <c>End - Start</c> is its length in tokens.</param>
public sealed record EntitySpan(string Type, int Start, int End)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Type}[{Start},{End})";
}
