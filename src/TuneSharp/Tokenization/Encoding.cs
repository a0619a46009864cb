namespace TuneSharp.Tokenization;

/// <summary>
/// The result of encoding one text or text pair: ids ready for the model plus everything needed to
/// map predictions back onto the text (offsets, which sequence each token belongs to, special tokens).
/// All arrays have the same length. Padding positions have attention mask 0, sequence id null,
/// special-tokens mask true and offsets (0, 0).
/// </summary>
public sealed class Encoding
{
    public required int[] InputIds { get; init; }
    public required int[] AttentionMask { get; init; }
    /// <summary>Segment ids (0 for the first sequence and its specials, 1 for the second), as BERT expects.</summary>
    public required int[] TokenTypeIds { get; init; }
    /// <summary>Character span [start, end) of each token in its own input text; (0, 0) for special and pad tokens.</summary>
    public required (int Start, int End)[] Offsets { get; init; }
    /// <summary>True for special tokens and padding.</summary>
    public required bool[] SpecialTokensMask { get; init; }
    /// <summary>0 or 1 for tokens of the first or second text; null for special and pad tokens.</summary>
    public required int?[] SequenceIds { get; init; }
    /// <summary>Token strings as in the vocabulary.</summary>
    public required string[] Tokens { get; init; }
    /// <summary>How many model tokens truncation removed (0 if none).</summary>
    public int NumTruncatedTokens { get; init; }

    /// <summary>Number of positions, padding included.</summary>
    public int Length => InputIds.Length;
}
