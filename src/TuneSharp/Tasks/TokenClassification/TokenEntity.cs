namespace TuneSharp.Tasks.TokenClassification;

/// <summary>
/// One result of <see cref="TokenClassificationPipeline"/>: a token (<see cref="AggregationStrategy.None"/>) or a group of
/// tokens or words (the other strategies), as transformers' pipeline returns them.
/// </summary>
/// <param name="Entity">
/// The label: the token's own label for <see cref="AggregationStrategy.None"/> (transformers' <c>entity</c>, e.g. "B-PER"),
/// the entity type without its B-/I- prefix for the grouping strategies (transformers' <c>entity_group</c>, e.g. "PER").
/// </param>
/// <param name="Score">The label's softmax probability (for a group: the mean over its tokens or words).</param>
/// <param name="Word">The text the entity covers: the original text from <paramref name="Start"/> to <paramref name="End"/>
/// (transformers' <c>word</c> is the tokens decoded instead, e.g. lower-cased, with "##" pieces joined).</param>
/// <param name="Start">Index of the entity's first character in the original text, as a .NET string index (UTF-16 code
/// units: transformers' Python offsets count code points, so they are smaller after a character such as an emoji).</param>
/// <param name="End">Index just past its last character (so <c>text[Start..End]</c> is <paramref name="Word"/>).</param>
public sealed record TokenEntity(string Entity, float Score, string Word, int Start, int End)
{
    /// <summary>
    /// <see cref="AggregationStrategy.None"/> only: the token's position in the encoded text, special tokens included
    /// (BERT's [CLS] is 0, so the first token of the text is 1), as transformers' <c>index</c>. For a text longer than
    /// max_length this is its position in the whole text's encoding, not in a window. Null for the other strategies.
    /// </summary>
    public int? Index { get; init; }
}
