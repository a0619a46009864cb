namespace TuneSharp.Tokenization;

/// <summary>One piece of a <see cref="SpecialTokenTemplate"/>: either a special token or a placeholder for sequence A/B.</summary>
/// <param name="SpecialToken">The special token's string (e.g. "[CLS]"), or null for a sequence placeholder.</param>
/// <param name="SpecialTokenId">Its id, when <paramref name="SpecialToken"/> is set.</param>
/// <param name="Sequence">0 for $A, 1 for $B, when this piece is a placeholder.</param>
/// <param name="TypeId">Token type id given to the piece's tokens.</param>
public sealed record TemplatePiece(string? SpecialToken, int SpecialTokenId, int Sequence, int TypeId)
{
    public static TemplatePiece Special(string token, int id, int typeId = 0) => new(token, id, -1, typeId);
    public static TemplatePiece SequenceA(int typeId = 0) => new(null, -1, 0, typeId);
    public static TemplatePiece SequenceB(int typeId = 1) => new(null, -1, 1, typeId);
}

/// <summary>
/// Where special tokens go around a single text and a pair (Hugging Face's "TemplateProcessing"
/// post-processor): BERT is <c>[CLS] $A [SEP]</c> / <c>[CLS] $A [SEP] $B:1 [SEP]:1</c>; Llama is
/// <c>&lt;s&gt; $A</c> / <c>&lt;s&gt; $A &lt;s&gt; $B</c>.
/// </summary>
public sealed record SpecialTokenTemplate(IReadOnlyList<TemplatePiece> Single, IReadOnlyList<TemplatePiece> Pair)
{
    /// <summary>No special tokens at all (GPT-2 style).</summary>
    public static SpecialTokenTemplate None { get; } =
        new(new[] { TemplatePiece.SequenceA() }, new[] { TemplatePiece.SequenceA(), TemplatePiece.SequenceB(0) });

    /// <summary>Number of special tokens the template adds to a single text or a pair.</summary>
    public int NumSpecialTokens(bool pair) => (pair ? Pair : Single).Count(p => p.SpecialToken is not null);
}
