namespace TuneSharp.Tasks.TokenClassification;

/// <summary>
/// One token of a text with its label probabilities, before aggregation (transformers' <c>pre_entity</c>): what
/// <see cref="EntityAggregation"/> works from. Special tokens are never pre-entities.
/// </summary>
/// <param name="Index">The token's position in the encoded text, special tokens included (see <see cref="TokenEntity.Index"/>).</param>
/// <param name="Start">Index of the token's first character in the original text.</param>
/// <param name="End">Index just past its last character.</param>
/// <param name="IsSubword">
/// The token continues the word of the token before it (the word-level strategies merge it into that word). The
/// pipeline sets it from the tokenizer's word ids (<see cref="Tokenization.Encoding.WordIds"/>): a token is a sub-word
/// when it has the previous token's word id. For tokenizers without word ids (SentencePiece tokenizer.model files) it
/// uses transformers' fallback for tokenizers that do not know words: a token is a sub-word when neither the character
/// before its span nor its first character is white space, unless it is the unknown token.
/// </param>
/// <param name="Scores">Softmax probabilities, one per label in label-id order.</param>
public sealed record PreEntity(int Index, int Start, int End, bool IsSubword, IReadOnlyList<float> Scores);
