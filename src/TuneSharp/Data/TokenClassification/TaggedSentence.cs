namespace TuneSharp.Data;

/// <summary>A sentence as read from a file, before its tags are checked against the labels.</summary>
/// <param name="Tokens">The tokens.</param>
/// <param name="Tags">One tag per token.</param>
/// <param name="Line">The line (Parquet: row) of its first token or its row.</param>
/// <param name="OneTokenPerLine">CoNLL: token i is on line <c>Line + i</c>; otherwise all tokens are on <c>Line</c>.</param>
internal sealed record TaggedSentence(string[] Tokens, string[] Tags, int Line, bool OneTokenPerLine)
{
    /// <summary>The line (Parquet: row) of token <paramref name="i"/>.</summary>
    public int TokenLine(int i) => OneTokenPerLine ? Line + i : Line;
}
