namespace TuneSharp.Tokenization;

/// <summary>
/// Base of every tokenizer. Subclasses (one per algorithm: WordPiece, SentencePiece, byte-level BPE,
/// tokenizer.json pipelines) only turn text into model tokens with offsets and back; this class adds
/// special tokens by <see cref="Template"/>, truncates (or cuts into stride windows), pads, builds masks and word ids,
/// identically for all.
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
    /// <exception cref="TuneSharpException">The options are invalid, or ask for <see cref="EncodeOptions.ReturnOverflowingTokens"/>
    /// (several encodings: use <see cref="EncodeBatch"/>).</exception>
    public Encoding Encode(string text, string? pair = null, EncodeOptions? options = null)
    {
        RefuseWindows(options, nameof(Encode), nameof(EncodeBatch));
        return EncodeBatch(new[] { text }, pair is null ? null : new[] { pair }, options)[0];
    }

    /// <summary>Encodes many texts (or pairs) and pads them together according to <paramref name="options"/>. With
    /// <see cref="EncodeOptions.ReturnOverflowingTokens"/> the result holds all windows of every input, in input order.</summary>
    public IReadOnlyList<Encoding> EncodeBatch(IReadOnlyList<string> texts, IReadOnlyList<string>? pairs = null, EncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        options ??= EncodeOptions.Default;
        if (pairs is not null && pairs.Count != texts.Count)
            throw new TuneSharpException($"EncodeBatch got {texts.Count} texts but {pairs.Count} pair texts; they must have the same count.");
        CheckOptions(options);

        return EncodeSequences(texts.Count,
            i => TokenizeWithWordIds(texts[i] ?? throw new ArgumentNullException(nameof(texts), $"texts[{i}] is null")),
            pairs is null ? null : i => TokenizeWithWordIds(pairs[i] ?? throw new ArgumentNullException(nameof(pairs), $"pairs[{i}] is null")),
            options);
    }

    /// <summary>
    /// Encodes a text that is already split into words, or a pair of them (transformers' <c>is_split_into_words=True</c>,
    /// e.g. the tokens of a CoNLL sentence for token classification). Each word is tokenized on its own, as transformers'
    /// tokenizers do, so <see cref="Encoding.WordIds"/> gives the index of the word in <paramref name="words"/> (or
    /// <paramref name="pairWords"/>) for every token, and <see cref="Encoding.Offsets"/> are character spans within that
    /// word. SentencePiece words each get their own "▁" prefix. Byte-level BPE (GPT-2, RoBERTa) words are each tokenized
    /// as if preceded by a space ("Ġword"), whatever add_prefix_space says: that is what transformers' slow tokenizers
    /// do, and what its fast ones require (they refuse pre-split input unless add_prefix_space=True); without it the
    /// first word would be tokenized unlike the same word elsewhere. Offsets never include that space.
    /// </summary>
    /// <exception cref="TuneSharpException">The options are invalid, or ask for <see cref="EncodeOptions.ReturnOverflowingTokens"/>
    /// (several encodings: use <see cref="EncodeWordsBatch"/>).</exception>
    public Encoding EncodeWords(IReadOnlyList<string> words, IReadOnlyList<string>? pairWords = null, EncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(words);
        RefuseWindows(options, nameof(EncodeWords), nameof(EncodeWordsBatch));
        return EncodeWordsBatch(new[] { words }, pairWords is null ? null : new[] { pairWords }, options)[0];
    }

    /// <summary>Encodes many pre-split texts (or pairs of them), as <see cref="EncodeWords"/> does, and pads them together
    /// according to <paramref name="options"/>. With <see cref="EncodeOptions.ReturnOverflowingTokens"/> the result holds all
    /// windows of every input, in input order.</summary>
    public IReadOnlyList<Encoding> EncodeWordsBatch(IReadOnlyList<IReadOnlyList<string>> words,
                                                    IReadOnlyList<IReadOnlyList<string>>? pairWords = null, EncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(words);
        options ??= EncodeOptions.Default;
        if (pairWords is not null && pairWords.Count != words.Count)
            throw new TuneSharpException($"EncodeWordsBatch got {words.Count} word lists but {pairWords.Count} pair word lists; they must have the same count.");
        CheckOptions(options);

        return EncodeSequences(words.Count,
            i => TokenizeWords(words[i], $"{nameof(words)}[{i}]"),
            pairWords is null ? null : i => TokenizeWords(pairWords[i], $"{nameof(pairWords)}[{i}]"),
            options);
    }

    /// <summary>Tokens of plain text with the index of the pre-tokenizer word each came from; null word ids where the
    /// tokenizer has no pre-tokenizer (the default for tokenizers that do not say).</summary>
    internal virtual TokenSequence TokenizeWithWordIds(string text) => new(Tokenize(text), null);

    /// <summary>Tokens of one word of a pre-split input, with offsets into <paramref name="word"/>.</summary>
    internal virtual IReadOnlyList<Token> TokenizeWord(string word) => Tokenize(word);

    private TokenSequence TokenizeWords(IReadOnlyList<string> words, string name)
    {
        if (words is null) throw new ArgumentNullException(name, $"{name} is null");
        var tokens = new List<Token>();
        var wordIds = new List<int>();
        for (int w = 0; w < words.Count; w++)
        {
            var word = words[w] ?? throw new ArgumentNullException(name, $"{name}[{w}] is null");
            foreach (var token in TokenizeWord(word))
            {
                tokens.Add(token);
                wordIds.Add(w);
            }
        }
        return new TokenSequence(tokens, wordIds.ToArray());
    }

    private IReadOnlyList<Encoding> EncodeSequences(int count, Func<int, TokenSequence> first, Func<int, TokenSequence>? second, EncodeOptions options)
    {
        var encodings = new List<Encoding>(count);
        for (int i = 0; i < count; i++)
        {
            var a = first(i);
            var b = second?.Invoke(i);
            if (options.ReturnOverflowingTokens) encodings.AddRange(EncodingWindows.Build(a, b, Template, options, i, count));
            else encodings.Add(EncodingBuilder.Build(a, b, Template, options, i, count));
        }
        return EncodingPadder.Pad(encodings.ToArray(), options, SpecialTokens, Kind);
    }

    private static void CheckOptions(EncodeOptions options)
    {
        if (options.MaxLength is < 0)
            throw new TuneSharpException($"MaxLength must be positive, got {options.MaxLength}.");
        if (options.Stride < 0)
            throw new TuneSharpException($"stride (EncodeOptions.Stride) must be zero or positive, got {options.Stride}.");
        if (options.Stride > 0 && !options.ReturnOverflowingTokens)
            throw new TuneSharpException(
                $"stride (EncodeOptions.Stride) is {options.Stride} but ReturnOverflowingTokens (return_overflowing_tokens) is false; " +
                "the stride only applies to overflow windows. Set ReturnOverflowingTokens = true, or leave Stride at 0.");
    }

    private static void RefuseWindows(EncodeOptions? options, string method, string batchMethod)
    {
        if (options?.ReturnOverflowingTokens == true)
            throw new TuneSharpException(
                $"{method} returns one encoding, but ReturnOverflowingTokens (return_overflowing_tokens) can give several windows per input; " +
                $"call {batchMethod} with a one-item list and read each window's OverflowToSampleMapping.");
    }

    /// <summary>Loads the tokenizer of a Hugging Face model folder: tokenizer.json, vocab.txt, vocab.json+merges.txt
    /// or a SentencePiece model (tokenizer.model, sentencepiece.bpe.model, spm.model, spiece.model), with special tokens from
    /// tokenizer_config.json / special_tokens_map.json.</summary>
    public static TextTokenizer FromPretrained(string modelDir) => TokenizerLoader.Load(modelDir);

    /// <summary>True when the folder holds a tokenizer <see cref="FromPretrained"/> can load (by file names; contents are not checked).</summary>
    public static bool ExistsIn(string modelDir) => TokenizerLoader.HasTokenizerFiles(modelDir);
}
