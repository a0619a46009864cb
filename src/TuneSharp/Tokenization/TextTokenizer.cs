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

    /// <summary>The model's special tokens. Settable by subclasses; users change the pad token with <see cref="SetPadToken"/>.</summary>
    public SpecialTokens SpecialTokens { get; protected set; } = new();

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

    /// <summary>
    /// Uses an existing vocabulary token as the padding token (models without one, such as Llama, usually pad
    /// with their EOS token: <c>tokenizer.SetPadToken(tokenizer.SpecialTokens.Eos!)</c>).
    /// </summary>
    /// <exception cref="TuneSharpException">The token is not in the vocabulary.</exception>
    public void SetPadToken(string token)
    {
        var id = TokenToId(token)
            ?? throw new TuneSharpException($"Cannot use \"{token}\" as the pad token: it is not in the {Kind} vocabulary.");
        SpecialTokens = SpecialTokens with { Pad = token, PadId = id };
    }

    /// <summary>Encodes a text, or a pair of texts, into model inputs.</summary>
    public Encoding Encode(string text, string? pair = null, EncodeOptions? options = null)
        => EncodeBatch(new[] { text }, pair is null ? null : new[] { pair }, options)[0];

    /// <summary>Encodes many texts (or pairs) and pads them together according to <paramref name="options"/>.</summary>
    public IReadOnlyList<Encoding> EncodeBatch(IReadOnlyList<string> texts, IReadOnlyList<string>? pairs = null, EncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        options ??= EncodeOptions.Default;
        if (pairs is not null && pairs.Count != texts.Count)
            throw new TuneSharpException($"EncodeBatch got {texts.Count} texts but {pairs.Count} pair texts; they must have the same count.");
        if (options.MaxLength is < 0)
            throw new TuneSharpException($"MaxLength must be positive, got {options.MaxLength}.");

        var encodings = new Encoding[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            var a = Tokenize(texts[i] ?? throw new ArgumentNullException(nameof(texts), $"texts[{i}] is null"));
            var b = pairs is null ? null : Tokenize(pairs[i] ?? throw new ArgumentNullException(nameof(pairs), $"pairs[{i}] is null"));
            encodings[i] = EncodingBuilder.Build(a, b, Template, options, i, texts.Count);
        }
        return EncodingPadder.Pad(encodings, options, SpecialTokens, Kind);
    }

    /// <summary>Loads the tokenizer of a Hugging Face model folder: tokenizer.json, vocab.txt, vocab.json+merges.txt
    /// or tokenizer.model, with special tokens from tokenizer_config.json / special_tokens_map.json.</summary>
    public static TextTokenizer FromPretrained(string modelDir) => TokenizerLoader.Load(modelDir);

    /// <summary>True when the folder holds a tokenizer <see cref="FromPretrained"/> can load (by file names; contents are not checked).</summary>
    public static bool ExistsIn(string modelDir) => TokenizerLoader.HasTokenizerFiles(modelDir);
}
