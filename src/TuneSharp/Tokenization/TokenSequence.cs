namespace TuneSharp.Tokenization;

/// <summary>
/// The model tokens of one sequence (a text, or the words of a pre-split input) before special tokens are added,
/// with the index of the word each token came from, or null word ids where the tokenizer has no notion of words
/// for plain text (see <see cref="Encoding.WordIds"/>).
/// </summary>
internal sealed record TokenSequence(IReadOnlyList<Token> Tokens, int[]? WordIds)
{
    public int Count => Tokens.Count;
}
