namespace TuneSharp.Tokenization;

/// <summary>
/// One token produced by a tokenizer's model (no special tokens added yet): its vocabulary id, its
/// string form in the vocabulary, and the span <c>[Start, End)</c> of the original input text it
/// came from, in UTF-16 code units (.NET string indices). Offsets always refer to the text the
/// caller passed in, before any normalisation (lower-casing, accent stripping, NFKC...).
/// </summary>
public readonly record struct Token(int Id, string Value, int Start, int End);
