namespace TuneSharp.Data;

/// <summary>One tagged sentence for token classification (named-entity recognition and the like).</summary>
/// <param name="Tokens">The words, as in the file (CoNLL's first column, or the tokens list).</param>
/// <param name="Tags">One tag per token ("B-PER", "O"), after any IOB1 → IOB2 conversion.</param>
/// <param name="Line">
/// 1-based line of the sentence's first token (CoNLL), or of its row (JSON Lines, JSON); for Parquet, the row number.
/// </param>
public sealed record TokenClassificationExample(IReadOnlyList<string> Tokens, IReadOnlyList<string> Tags, int Line);
