using System.Text.Json;

namespace TuneSharp.Tokenization;

/// <summary>
/// GPT-2-style byte-level BPE loaded from the "slow" tokenizer files <c>vocab.json</c> + <c>merges.txt</c>
/// (GPT-2, RoBERTa, BART...). Text is split with the GPT-2 regex, every UTF-8 byte is written as one character of
/// the byte-level alphabet (a space becomes 'Ġ'), and BPE merges apply within each piece. Decoding maps the
/// alphabet back to bytes and decodes UTF-8. RoBERTa-style models (a cls/sep token in tokenizer_config.json or
/// special_tokens_map.json, or a Roberta tokenizer class) get <c>&lt;s&gt; $A &lt;/s&gt;</c> and
/// <c>&lt;s&gt; $A &lt;/s&gt; &lt;/s&gt; $B &lt;/s&gt;</c> (all type id 0) and offsets trimmed of spaces;
/// GPT-2 gets no special tokens (a pair's second text has type id 1) and untrimmed offsets, as Hugging Face's converters set up.
/// </summary>
public sealed class ByteLevelBpeTokenizer : TextTokenizer
{
    private readonly TokenizerJsonPipeline _pipeline;

    private ByteLevelBpeTokenizer(TokenizerJsonPipeline pipeline, SpecialTokens specialTokens, SpecialTokenTemplate template)
    {
        _pipeline = pipeline;
        SpecialTokens = specialTokens;
        Template = template;
    }

    /// <inheritdoc/>
    public override string Kind => "byte-level BPE";
    /// <inheritdoc/>
    public override int VocabSize => _pipeline.VocabSize;
    /// <inheritdoc/>
    public override IReadOnlyList<Token> Tokenize(string text) => _pipeline.Tokenize(text);
    /// <summary>Words are the GPT-2 regex pieces (" world" is one word), as fast tokenizers number them.</summary>
    internal override TokenSequence TokenizeWithWordIds(string text) => _pipeline.TokenizeWithWordIds(text);
    /// <summary>A pre-split word is tokenized as if preceded by a space ("Ġword"), whatever add_prefix_space says.</summary>
    internal override IReadOnlyList<Token> TokenizeWord(string word) => _pipeline.TokenizeWord(word);
    /// <inheritdoc/>
    public override string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true) => _pipeline.Decode(ids, skipSpecialTokens);
    /// <inheritdoc/>
    public override int? TokenToId(string token) => _pipeline.TokenToId(token);
    /// <inheritdoc/>
    public override string? IdToToken(int id) => _pipeline.IdToToken(id);

    /// <summary>Loads <c>vocab.json</c> and <c>merges.txt</c> from <paramref name="modelDir"/>.</summary>
    /// <param name="modelDir">The model folder.</param>
    /// <param name="config">tokenizer_config.json / special_tokens_map.json settings: special tokens, add_prefix_space,
    /// tokenizer_class, model_max_length.</param>
    /// <exception cref="TuneSharpException">A file is missing or malformed (the message names the file and line).</exception>
    public static ByteLevelBpeTokenizer Create(string modelDir, TokenizerConfig config)
    {
        var vocabPath = Path.Combine(modelDir, "vocab.json");
        var mergesPath = Path.Combine(modelDir, "merges.txt");
        var vocab = ReadVocabulary(vocabPath);
        var merges = ReadMerges(mergesPath);

        TokenizerJsonBpeModel model;
        try { model = new TokenizerJsonBpeModel(vocab, merges, new TokenizerJsonBpeOptions()); }
        catch (ArgumentException e) { throw new TuneSharpException($"{mergesPath}: {e.Message}."); }

        bool roberta = (config.TokenizerClass?.Contains("Roberta", StringComparison.OrdinalIgnoreCase) ?? false)
                       || (config.ClsToken is not null && config.SepToken is not null);
        var added = SpecialAddedTokens(config, model).ToList();
        var pipeline = new TokenizerJsonPipeline(model, normalizer: null,
            new JsonByteLevelPreTokenizer(config.AddPrefixSpace ?? false, useRegex: true), new JsonByteLevelDecoder(),
            added, trimOffsets: roberta);

        int? Id(string? token) => token is null ? null : pipeline.TokenToId(token);
        var specials = new SpecialTokens
        {
            Unk = config.UnkToken, UnkId = Id(config.UnkToken),
            Pad = config.PadToken, PadId = Id(config.PadToken),
            Cls = config.ClsToken, ClsId = Id(config.ClsToken),
            Sep = config.SepToken, SepId = Id(config.SepToken),
            Mask = config.MaskToken, MaskId = Id(config.MaskToken),
            Bos = config.BosToken, BosId = Id(config.BosToken),
            Eos = config.EosToken, EosId = Id(config.EosToken),
        };

        // GPT-2 adds no special tokens, but a pair's second text has segment id 1, as both transformers tokenizers
        // give it (the slow one's default create_token_type_ids_from_sequences, the fast one's pair encoding).
        var template = new SpecialTokenTemplate([TemplatePiece.SequenceA()], [TemplatePiece.SequenceA(), TemplatePiece.SequenceB(1)]);
        if (roberta)
        {
            string cls = config.ClsToken ?? config.BosToken ?? "<s>", sep = config.SepToken ?? config.EosToken ?? "</s>";
            int clsId = Id(cls) ?? throw new TuneSharpException($"{vocabPath}: the cls token \"{cls}\" is not in the vocabulary.");
            int sepId = Id(sep) ?? throw new TuneSharpException($"{vocabPath}: the sep token \"{sep}\" is not in the vocabulary.");
            var single = new[] { TemplatePiece.Special(cls, clsId), TemplatePiece.SequenceA(), TemplatePiece.Special(sep, sepId) };
            var pair = single.Concat([TemplatePiece.Special(sep, sepId), TemplatePiece.SequenceB(0), TemplatePiece.Special(sep, sepId)]).ToArray();
            template = new SpecialTokenTemplate(single, pair);
        }

        return new ByteLevelBpeTokenizer(pipeline, specials, template)
        {
            ModelMaxLength = config.ModelMaxLength,
            SourceFiles = new[] { "vocab.json", "merges.txt" }.Concat(config.SourceFiles).Distinct().ToArray(),
        };
    }

    /// <summary>Special tokens from the config files that are in the vocabulary, matched literally in text. Flags come
    /// from added_tokens_decoder when present (RoBERTa's &lt;mask&gt; swallows the space before it).</summary>
    private static IEnumerable<TokenizerJsonAddedToken> SpecialAddedTokens(TokenizerConfig config, TokenizerJsonBpeModel model)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var info in config.AddedTokensDecoder.Values)
        {
            if (seen.Add(info.Content))
                yield return new TokenizerJsonAddedToken(info.Id, info.Content, info.Special, info.LStrip, info.RStrip, info.Normalized, info.SingleWord);
        }
        foreach (var token in config.AllSpecialTokens())
        {
            if (model.TokenToId(token) is { } id && seen.Add(token))
                yield return new TokenizerJsonAddedToken(id, token, Special: true, LStrip: token == config.MaskToken && token == "<mask>");
        }
    }

    private static Dictionary<string, int> ReadVocabulary(string path)
    {
        if (!File.Exists(path)) throw new TuneSharpException($"{path} does not exist (a byte-level BPE tokenizer needs vocab.json and merges.txt).");
        try
        {
            var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllBytes(path))
                ?? throw new TuneSharpException($"{path} must contain a JSON object mapping tokens to ids.");
            TokenizerJsonModel.CheckIds(vocab, path);
            return vocab;
        }
        catch (JsonException e)
        {
            throw new TuneSharpException(
                $"{path} must be a JSON object mapping tokens to integer ids (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}", e);
        }
    }

    /// <summary>merges.txt: an optional "#version" line, then one "left right" pair per line, highest priority first.</summary>
    private static List<(string, string)> ReadMerges(string path)
    {
        if (!File.Exists(path)) throw new TuneSharpException($"{path} does not exist (a byte-level BPE tokenizer needs vocab.json and merges.txt).");
        var merges = new List<(string, string)>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal))) continue;
            var parts = line.Split(' ');
            if (parts.Length != 2) throw new TuneSharpException($"{path} line {lineNumber}: expected two tokens separated by one space, got \"{line}\".");
            merges.Add((parts[0], parts[1]));
        }
        return merges;
    }
}
