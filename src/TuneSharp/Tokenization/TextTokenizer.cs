namespace TuneSharp.Tokenization;

/// <summary>
/// Base of every tokenizer. Subclasses (one per algorithm: WordPiece, SentencePiece, byte-level BPE,
/// tokenizer.json pipelines) only turn text into model tokens with offsets and back; this class adds
/// special tokens by <see cref="Template"/>, truncates, pads and builds masks, identically for all.
/// Load one with <see cref="FromPretrained"/>.
/// </summary>
public abstract class TextTokenizer
{
    /// <summary>Short name of the algorithm, e.g. "WordPiece", "SentencePiece BPE", "byte-level BPE".</summary>
    public abstract string Kind { get; }

    /// <summary>Number of ids the tokenizer can produce (vocabulary plus added tokens).</summary>
    public abstract int VocabSize { get; }

    /// <summary>The model's special tokens.</summary>
    public SpecialTokens SpecialTokens { get; protected init; } = new();

    /// <summary>Where special tokens go for single texts and pairs.</summary>
    public SpecialTokenTemplate Template { get; protected init; } = SpecialTokenTemplate.None;

    /// <summary>Largest input the model accepts (tokenizer_config's model_max_length), if known.</summary>
    public int? ModelMaxLength { get; init; }

    /// <summary>Files in the model folder this tokenizer was loaded from (copied when saving a trained model).</summary>
    public IReadOnlyList<string> SourceFiles { get; init; } = Array.Empty<string>();

    /// <summary>Splits text into model tokens (no template special tokens), with offsets into <paramref name="text"/>.
    /// Added/special tokens written literally in the text are recognised as single tokens.</summary>
    public abstract IReadOnlyList<Token> Tokenize(string text);

    /// <summary>Turns ids back into text. Special tokens are dropped when <paramref name="skipSpecialTokens"/> is set.</summary>
    public abstract string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true);

    /// <summary>Id of a vocabulary token, or null when unknown.</summary>
    public abstract int? TokenToId(string token);

    /// <summary>Vocabulary string of an id, or null when out of range.</summary>
    public abstract string? IdToToken(int id);

    /// <summary>Encodes a text, or a pair of texts, into model inputs.</summary>
    public Encoding Encode(string text, string? pair = null, EncodeOptions? options = null)
        => throw new NotImplementedException("being written (Tokenization helper)");

    /// <summary>Encodes many texts (or pairs) and pads them together according to <paramref name="options"/>.</summary>
    public IReadOnlyList<Encoding> EncodeBatch(IReadOnlyList<string> texts, IReadOnlyList<string>? pairs = null, EncodeOptions? options = null)
        => throw new NotImplementedException("being written (Tokenization helper)");

    /// <summary>Loads the tokenizer of a Hugging Face model folder: tokenizer.json, vocab.txt, vocab.json+merges.txt
    /// or tokenizer.model, with special tokens from tokenizer_config.json / special_tokens_map.json.</summary>
    public static TextTokenizer FromPretrained(string modelDir)
        => throw new NotImplementedException("being written (Tokenization helper)");
}
