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
    /// <summary>
    /// Index of the word each token came from (transformers' <c>word_ids()</c>); null for special and pad tokens. Word
    /// indices start again at 0 in the second sequence of a pair (tell the sequences apart with <see cref="SequenceIds"/>).
    /// For <see cref="TextTokenizer.EncodeWords"/> a word is one string of the caller's list (all the tokens a word splits
    /// into share its index, even when the tokenizer splits it further, e.g. "U.S." into four tokens). For plain text
    /// the words are the pieces of the tokenizer's pre-tokenizer, as fast tokenizers define them: WordPiece's basic
    /// tokenizer (white space and punctuation), byte-level BPE's GPT-2 regex (" world" is one word), a tokenizer.json's
    /// pre_tokenizer; a special token written in the text is a word of its own. The array itself is null for plain text
    /// where the tokenizer has no pre-tokenizer: SentencePiece's tokenizer.model and tokenizer.json files without a
    /// pre_tokenizer (such as Llama's), where a fast tokenizer would call the whole text word 0; use EncodeWords there.
    /// </summary>
    public int?[]? WordIds { get; init; }

    /// <summary>How many model tokens truncation removed (0 if none); for a window of <see cref="EncodeOptions.ReturnOverflowingTokens"/>,
    /// the tokens of the windowed sequence outside the window.</summary>
    public int NumTruncatedTokens { get; init; }

    /// <summary>
    /// Index of the input this encoding came from in the list given to the batch method (transformers'
    /// <c>overflow_to_sample_mapping</c>): with <see cref="EncodeOptions.ReturnOverflowingTokens"/> all windows of an input
    /// share its index; otherwise it is the encoding's own position in the batch.
    /// </summary>
    public int OverflowToSampleMapping { get; init; }

    /// <summary>Number of positions, padding included.</summary>
    public int Length => InputIds.Length;
}
