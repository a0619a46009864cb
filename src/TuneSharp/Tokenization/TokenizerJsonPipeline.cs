namespace TuneSharp.Tokenization;

/// <summary>
/// The text-to-tokens pipeline of a Hugging Face fast tokenizer, in its order: added tokens are cut out of the raw
/// text, the rest is normalised (keeping alignment to the original), added tokens marked "normalized" are cut out
/// of the normalised text, pre-tokenizers split it into words, the model segments each word, and each token's span
/// is mapped back to the original text. Decoding maps ids to strings and runs the decoder chain.
/// </summary>
internal sealed class TokenizerJsonPipeline
{
    public TokenizerJsonModel Model { get; }
    private readonly TokenizerJsonNormalizer? _normalizer;
    private readonly TokenizerJsonPreTokenizer? _preTokenizer;
    private readonly TokenizerJsonPreTokenizer? _wordPreTokenizer;
    private readonly TokenizerJsonDecoder? _decoder;
    private readonly bool _trimOffsets;
    private readonly Dictionary<int, TokenizerJsonAddedToken> _addedById = new();
    private readonly Dictionary<string, int> _addedByContent = new(StringComparer.Ordinal);
    private readonly TokenizerJsonAddedTokenMatcher _rawMatcher;
    private readonly TokenizerJsonAddedTokenMatcher _normalizedMatcher;

    /// <summary>Assembles a pipeline. <paramref name="trimOffsets"/> excludes white space at either end of a token from its
    /// offsets (the ByteLevel / RoBERTa post-processors' trim_offsets: "Ġworld" then spans "world", not " world").</summary>
    public TokenizerJsonPipeline(TokenizerJsonModel model, TokenizerJsonNormalizer? normalizer, TokenizerJsonPreTokenizer? preTokenizer,
                                 TokenizerJsonDecoder? decoder, IEnumerable<TokenizerJsonAddedToken> addedTokens, bool trimOffsets)
    {
        Model = model;
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        _wordPreTokenizer = preTokenizer?.ForPreSplitWords();
        _decoder = decoder;
        _trimOffsets = trimOffsets;
        foreach (var t in addedTokens)
        {
            _addedById[t.Id] = t;
            _addedByContent.TryAdd(t.Content, t.Id);
        }
        _rawMatcher = new(_addedById.Values.Where(t => !t.Normalized).Select(t => (t.Content, t)));
        _normalizedMatcher = new(_addedById.Values.Where(t => t.Normalized).Select(t => (NormalizeContent(t.Content), t)));
    }

    public IReadOnlyCollection<TokenizerJsonAddedToken> AddedTokens => _addedById.Values;

    public int VocabSize => Math.Max(Model.VocabSize, _addedById.Count == 0 ? 0 : _addedById.Keys.Max() + 1);

    public int? TokenToId(string token) => _addedByContent.TryGetValue(token, out var id) ? id : Model.TokenToId(token);

    public string? IdToToken(int id) => _addedById.TryGetValue(id, out var t) ? t.Content : Model.IdToToken(id);

    private string NormalizeContent(string content)
        => _normalizer?.Normalize(TokenizerJsonNormalizedText.FromOriginal(content, 0, content.Length)).Text ?? content;

    public IReadOnlyList<Token> Tokenize(string text) => Tokenize(text, _preTokenizer, wordIds: null);

    /// <summary>Tokens with the index of the pre-tokenizer piece (word) each came from, an added token being a piece of its
    /// own, as fast tokenizers number words; null word ids when there is no pre-tokenizer (the whole text would be word 0).</summary>
    public TokenSequence TokenizeWithWordIds(string text)
    {
        if (_preTokenizer is null) return new TokenSequence(Tokenize(text), null);
        var wordIds = new List<int>();
        var tokens = Tokenize(text, _preTokenizer, wordIds);
        return new TokenSequence(tokens, wordIds.ToArray());
    }

    /// <summary>Tokens of one word of a pre-split input: the pre-tokenizer as a fast tokenizer runs it on pre-split
    /// words with add_prefix_space=True (a byte-level word gets its leading space).</summary>
    public IReadOnlyList<Token> TokenizeWord(string word) => Tokenize(word, _wordPreTokenizer, wordIds: null);

    private List<Token> Tokenize(string text, TokenizerJsonPreTokenizer? preTokenizer, List<int>? wordIds)
    {
        var pieces = new List<TokenizerJsonPiece>();
        int plainStart = 0;
        foreach (var m in _rawMatcher.FindAll(text))
        {
            AddNormalized(text, plainStart, m.Start, pieces);
            pieces.Add(new TokenizerJsonPiece(null, new Token(m.Token.Id, m.Token.Content, m.Start, m.End)));
            plainStart = m.End;
        }
        AddNormalized(text, plainStart, text.Length, pieces);

        if (preTokenizer is not null) pieces = preTokenizer.PreTokenize(pieces);

        var tokens = new List<Token>();
        var modelTokens = new List<TokenizerJsonModelToken>();
        for (int p = 0; p < pieces.Count; p++)
        {
            var piece = pieces[p];
            if (piece.AddedToken is { } added) tokens.Add(added);
            else
            {
                var word = piece.Text!;
                modelTokens.Clear();
                Model.Tokenize(word.Text, modelTokens);
                foreach (var t in modelTokens)
                {
                    var (start, end) = word.OriginalRange(t.Start, t.End);
                    if (_trimOffsets) (start, end) = Trim(text, start, end);
                    tokens.Add(new Token(t.Id, t.Value, start, end));
                }
            }
            while (wordIds is not null && wordIds.Count < tokens.Count) wordIds.Add(p);
        }
        return tokens;
    }

    private void AddNormalized(string text, int start, int end, List<TokenizerJsonPiece> pieces)
    {
        if (end <= start) return;
        var normalized = TokenizerJsonNormalizedText.FromOriginal(text, start, end);
        if (_normalizer is not null) normalized = _normalizer.Normalize(normalized);
        int plainStart = 0;
        foreach (var m in _normalizedMatcher.FindAll(normalized.Text))
        {
            if (m.Start > plainStart) pieces.Add(new TokenizerJsonPiece(normalized.Slice(plainStart, m.Start), null));
            var (s, e) = normalized.OriginalRange(m.Start, m.End);
            pieces.Add(new TokenizerJsonPiece(null, new Token(m.Token.Id, m.Token.Content, s, e)));
            plainStart = m.End;
        }
        if (normalized.Length > plainStart) pieces.Add(new TokenizerJsonPiece(normalized.Slice(plainStart, normalized.Length), null));
    }

    private static (int, int) Trim(string text, int start, int end)
    {
        while (start < end && char.IsWhiteSpace(text[start])) start++;
        while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
        return (start, end);
    }

    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens)
    {
        var tokens = new List<string>();
        foreach (var id in ids)
        {
            if (_addedById.TryGetValue(id, out var added))
            {
                if (!(skipSpecialTokens && added.Special)) tokens.Add(added.Content);
            }
            else if (Model.IdToToken(id) is { } token) tokens.Add(token);
        }
        return _decoder is null ? string.Join(" ", tokens) : _decoder.Decode(tokens);
    }
}
