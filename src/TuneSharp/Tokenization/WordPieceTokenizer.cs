using System.Text;

namespace TuneSharp.Tokenization;

/// <summary>
/// BERT's WordPiece tokenizer over a <c>vocab.txt</c> (one token per line, id = line number): the basic tokenizer
/// (<see cref="BertPreTokenizer"/>) splits and normalises words, then each word is cut greedily into the longest
/// vocabulary pieces, continuation pieces carrying the "##" prefix. A word with no complete cut, or longer than
/// <see cref="MaxInputCharsPerWord"/> chars, becomes [UNK]. Template: <c>[CLS] $A [SEP]</c> / <c>[CLS] $A [SEP] $B:1 [SEP]:1</c>.
/// </summary>
public sealed class WordPieceTokenizer : TextTokenizer
{
    /// <summary>The vocab file name this tokenizer reads.</summary>
    public const string VocabFileName = "vocab.txt";

    private const string ContinuationPrefix = "##";
    private readonly Dictionary<string, int> _tokenToId;
    private readonly string[] _idToToken;
    private readonly BertPreTokenizer _preTokenizer;
    private readonly SpecialTokenSplitter _specialSplitter;
    private readonly HashSet<int> _specialIds;

    /// <inheritdoc/>
    public override string Kind => "WordPiece";

    /// <inheritdoc/>
    public override int VocabSize => _idToToken.Length;

    /// <summary>Whether text is lower-cased before splitting (uncased models).</summary>
    public bool LowerCase { get; }

    /// <summary>Whether accents are stripped (NFD, then combining marks dropped).</summary>
    public bool StripAccents { get; }

    /// <summary>Words with more chars than this become [UNK] (HF's max_input_chars_per_word).</summary>
    public int MaxInputCharsPerWord { get; } = 100;

    /// <summary>Whether decoding removes spaces before punctuation and in contractions (HF clean_up_tokenization_spaces).</summary>
    public bool CleanUpTokenizationSpaces { get; }

    private WordPieceTokenizer(string[] vocab, TokenizerConfig config)
    {
        _idToToken = vocab;
        _tokenToId = new Dictionary<string, int>(vocab.Length, StringComparer.Ordinal);
        for (int i = 0; i < vocab.Length; i++) _tokenToId[vocab[i]] = i; // a repeated line: the later id wins, as in HF's load_vocab

        LowerCase = config.DoLowerCase ?? true; // BertTokenizer's default
        StripAccents = config.StripAccents ?? LowerCase; // HF: strip_accents None follows lowercase
        CleanUpTokenizationSpaces = config.CleanUpTokenizationSpaces ?? true;
        _preTokenizer = new BertPreTokenizer(LowerCase, StripAccents, config.TokenizeChineseChars ?? true);

        (string Value, int? Id) Find(string? configured, string fallback)
        {
            var token = configured ?? fallback;
            return (token, TokenToId(token));
        }
        var unk = Find(config.UnkToken, "[UNK]");
        var sep = Find(config.SepToken, "[SEP]");
        var pad = Find(config.PadToken, "[PAD]");
        var cls = Find(config.ClsToken, "[CLS]");
        var mask = Find(config.MaskToken, "[MASK]");
        if (unk.Id is null) throw new TuneSharpException($"{VocabFileName} has no unknown token \"{unk.Value}\"; WordPiece needs one.");
        if (cls.Id is null || sep.Id is null)
            throw new TuneSharpException($"{VocabFileName} lacks the classifier token \"{cls.Value}\" or separator \"{sep.Value}\" that BERT's template needs.");

        SpecialTokens = new SpecialTokens
        {
            Unk = unk.Value, UnkId = unk.Id,
            Sep = sep.Value, SepId = sep.Id,
            Pad = pad.Id is null ? null : pad.Value, PadId = pad.Id,
            Cls = cls.Value, ClsId = cls.Id,
            Mask = mask.Id is null ? null : mask.Value, MaskId = mask.Id,
        };
        Template = new SpecialTokenTemplate(
            new[] { TemplatePiece.Special(cls.Value, cls.Id.Value), TemplatePiece.SequenceA(), TemplatePiece.Special(sep.Value, sep.Id.Value) },
            new[]
            {
                TemplatePiece.Special(cls.Value, cls.Id.Value), TemplatePiece.SequenceA(), TemplatePiece.Special(sep.Value, sep.Id.Value),
                TemplatePiece.SequenceB(1), TemplatePiece.Special(sep.Value, sep.Id.Value, typeId: 1),
            });

        var specialStrings = new[] { unk.Value, sep.Value, pad.Value, cls.Value, mask.Value }
            .Concat(config.AllSpecialTokens())
            .Concat(config.AddedTokensDecoder.Values.Select(t => t.Content))
            .Distinct()
            .Select(s => (Text: s, Id: TokenToId(s)))
            .Where(t => t.Id is not null)
            .ToList();
        _specialSplitter = new SpecialTokenSplitter(specialStrings.Select(t => new KeyValuePair<string, int>(t.Text, t.Id!.Value)));
        _specialIds = specialStrings.Where(t => IsSpecialForDecode(t.Text, config)).Select(t => t.Id!.Value).ToHashSet();
    }

    private static bool IsSpecialForDecode(string token, TokenizerConfig config)
        => config.AddedTokensDecoder.Values.Any(t => t.Content == token && t.Special)
           || new[] { config.UnkToken ?? "[UNK]", config.SepToken ?? "[SEP]", config.PadToken ?? "[PAD]", config.ClsToken ?? "[CLS]",
                      config.MaskToken ?? "[MASK]" }.Contains(token)
           || config.AdditionalSpecialTokens.Contains(token);

    /// <summary>Loads <c>vocab.txt</c> from <paramref name="modelDir"/> with settings from <paramref name="config"/>.</summary>
    /// <exception cref="TuneSharpException">The file is missing, empty or has an empty line.</exception>
    public static WordPieceTokenizer Create(string modelDir, TokenizerConfig config)
    {
        var path = Path.Combine(modelDir, VocabFileName);
        if (!File.Exists(path)) throw new TuneSharpException($"{path} does not exist.");
        return new WordPieceTokenizer(ReadVocab(path), config)
        {
            ModelMaxLength = config.ModelMaxLength,
            SourceFiles = new[] { VocabFileName }.Concat(config.SourceFiles).ToArray(),
        };
    }

    /// <summary>Builds a tokenizer from an in-memory vocabulary (tests, tools).</summary>
    public static WordPieceTokenizer FromVocab(IReadOnlyList<string> vocab, TokenizerConfig? config = null)
        => new(vocab.ToArray(), config ?? TokenizerConfig.Empty);

    private static string[] ReadVocab(string path)
    {
        var lines = File.ReadAllText(path).Split('\n');
        int count = lines.Length;
        if (count > 0 && lines[^1].Length == 0) count--; // final newline
        if (count == 0) throw new TuneSharpException($"{path} is empty; expected one WordPiece token per line.");
        var vocab = new string[count];
        for (int i = 0; i < count; i++)
        {
            var token = lines[i].TrimEnd('\r');
            if (token.Length == 0)
                throw new TuneSharpException($"{path} line {i + 1} is empty; expected one WordPiece token per line (the line number is the token id).");
            vocab[i] = token;
        }
        return vocab;
    }

    /// <inheritdoc/>
    public override int? TokenToId(string token) => _tokenToId.TryGetValue(token, out var id) ? id : null;

    /// <inheritdoc/>
    public override string? IdToToken(int id) => id >= 0 && id < _idToToken.Length ? _idToToken[id] : null;

    /// <inheritdoc/>
    public override IReadOnlyList<Token> Tokenize(string text) => Tokenize(text, wordIds: null);

    /// <summary>Words are the basic tokenizer's (white space and punctuation splits); a special token in the text is one word.</summary>
    internal override TokenSequence TokenizeWithWordIds(string text)
    {
        var wordIds = new List<int>();
        var tokens = Tokenize(text, wordIds);
        return new TokenSequence(tokens, wordIds.ToArray());
    }

    /// <summary>Tokenizes <paramref name="text"/>; when <paramref name="wordIds"/> is given, adds the word index of every token to it.</summary>
    private List<Token> Tokenize(string text, List<int>? wordIds)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<Token>();
        int wordIndex = 0;
        foreach (var segment in _specialSplitter.Split(text))
        {
            if (segment.Id is int specialId)
            {
                tokens.Add(new Token(specialId, segment.Token!, segment.Start, segment.End));
                wordIds?.Add(wordIndex++);
                continue;
            }
            foreach (var word in _preTokenizer.Split(text, segment.Start, segment.End))
            {
                AddWordPieces(word, tokens);
                while (wordIds is not null && wordIds.Count < tokens.Count) wordIds.Add(wordIndex);
                wordIndex++;
            }
        }
        return tokens;
    }

    private void AddWordPieces(BertPreTokenizer.Word word, List<Token> tokens)
    {
        var text = word.Text;
        int wordStart = word.Starts[0], wordEnd = word.Ends[^1];
        if (CountRunes(text) > MaxInputCharsPerWord)
        {
            tokens.Add(new Token(SpecialTokens.UnkId!.Value, SpecialTokens.Unk!, wordStart, wordEnd));
            return;
        }

        int firstPiece = tokens.Count;
        int start = 0;
        while (start < text.Length)
        {
            int? foundId = null;
            int end = text.Length;
            for (; end > start; end--)
            {
                if (end < text.Length && char.IsLowSurrogate(text[end]) && char.IsHighSurrogate(text[end - 1])) continue; // never split a surrogate pair
                var piece = start > 0 ? ContinuationPrefix + text[start..end] : text[start..end];
                if (_tokenToId.TryGetValue(piece, out var id)) { foundId = id; break; }
            }
            if (foundId is not int pieceId)
            {
                // No cut exists: the whole word is unknown (pieces found so far are discarded, as in BERT).
                tokens.RemoveRange(firstPiece, tokens.Count - firstPiece);
                tokens.Add(new Token(SpecialTokens.UnkId!.Value, SpecialTokens.Unk!, wordStart, wordEnd));
                return;
            }
            tokens.Add(new Token(pieceId, _idToToken[pieceId], word.Starts[start], word.Ends[end - 1]));
            start = end;
        }
    }

    private static int CountRunes(string s)
    {
        int n = 0;
        foreach (var _ in s.EnumerateRunes()) n++;
        return n;
    }

    /// <summary>
    /// Joins the tokens with spaces, glues "##" continuations to the previous piece and, when
    /// <see cref="CleanUpTokenizationSpaces"/> is set, removes the spaces HF's clean-up removes
    /// (" ." → ".", " ' " → "'", " n't" → "n't" ...). Decoding does not restore case or accents.
    /// </summary>
    public override string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var text = new StringBuilder();
        foreach (var id in ids)
        {
            if (skipSpecialTokens && _specialIds.Contains(id)) continue;
            var token = IdToToken(id) ?? throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id {id} is outside the vocabulary (size {VocabSize}).");
            if (token.StartsWith(ContinuationPrefix, StringComparison.Ordinal) && text.Length > 0)
                text.Append(token, ContinuationPrefix.Length, token.Length - ContinuationPrefix.Length);
            else
            {
                if (text.Length > 0) text.Append(' ');
                text.Append(token);
            }
        }
        return CleanUpTokenizationSpaces ? CleanUp(text.ToString()) : text.ToString();
    }

    /// <summary>Hugging Face's <c>clean_up_tokenization</c>: the same fixed list of replacements, in the same order.</summary>
    internal static string CleanUp(string text) => text
        .Replace(" .", ".").Replace(" ?", "?").Replace(" !", "!").Replace(" ,", ",")
        .Replace(" ' ", "'").Replace(" n't", "n't").Replace(" 'm", "'m").Replace(" 's", "'s")
        .Replace(" 've", "'ve").Replace(" 're", "'re");
}
