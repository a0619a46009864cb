namespace TuneSharp.Tasks.TokenClassification;

/// <summary>
/// How <see cref="TokenClassificationPipeline"/> turns token predictions into entities (transformers'
/// <c>aggregation_strategy</c>). The word-level strategies (<see cref="First"/>, <see cref="Average"/>, <see cref="Max"/>)
/// need to know which tokens form a word; see <see cref="PreEntity.IsSubword"/>.
/// </summary>
public enum AggregationStrategy
{
    /// <summary>No grouping: every token, with its own label (B-/I- prefix kept), score and token index.</summary>
    None,

    /// <summary>
    /// Adjacent tokens of one entity type are grouped: a token joins the previous group when it has the group's type
    /// and is not a B- token (a label without a B-/I- prefix counts as I-). The group's label is the type (B-/I- dropped)
    /// and its score the mean of its tokens' scores. Sub-tokens of one word may end up in different entities.
    /// </summary>
    Simple,

    /// <summary>Every word takes the label and score of its first sub-token, then words are grouped as <see cref="Simple"/>.</summary>
    First,

    /// <summary>
    /// Every word takes the label with the highest mean probability over its sub-tokens (that mean is its score), then
    /// words are grouped as <see cref="Simple"/>.
    /// </summary>
    Average,

    /// <summary>
    /// Every word takes the label and score of its most confident sub-token (the one with the highest top probability;
    /// the first one on a tie), then words are grouped as <see cref="Simple"/>.
    /// </summary>
    Max,
}
