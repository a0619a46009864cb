using System.Text;

namespace TuneSharp.Tokenization;

/// <summary>A model token with its span <c>[Start, End)</c> in the word it came from (UTF-16 units).</summary>
internal readonly record struct TokenizerJsonModelToken(int Id, string Value, int Start, int End);

/// <summary>A tokenizer.json "model": turns one pre-tokenized word into vocabulary tokens.</summary>
internal abstract class TokenizerJsonModel
{
    /// <summary>Name shown in <see cref="TextTokenizer.Kind"/>, e.g. "WordPiece".</summary>
    public abstract string Name { get; }

    /// <summary>Largest id in the vocabulary plus one.</summary>
    public abstract int VocabSize { get; }

    /// <summary>The unknown token, if the model has one.</summary>
    public abstract string? UnkToken { get; }

    public abstract void Tokenize(string word, List<TokenizerJsonModelToken> output);
    public abstract int? TokenToId(string token);
    public abstract string? IdToToken(int id);

    /// <summary>
    /// Refuses vocabulary ids that cannot index an embedding table: negative ones, and ones far beyond the vocabulary's
    /// size (an id table that large would be allocated for nothing; real vocabularies number their tokens densely).
    /// </summary>
    /// <exception cref="TuneSharpException">An id is out of range; the message names <paramref name="source"/> and the token.</exception>
    internal static void CheckIds(IReadOnlyDictionary<string, int> vocab, string source)
    {
        var limit = MaxId(vocab.Count);
        foreach (var (token, id) in vocab)
            if (id < 0 || id > limit)
                throw new TuneSharpException($"{source}: token \"{TextExcerpt.Of(token, 60)}\" has id {id}; ids must be between 0 and {limit} for a vocabulary of {vocab.Count:N0} tokens.");
    }

    // Ids may leave gaps (removed tokens), but not more than the vocabulary's own size again plus a margin.
    private static long MaxId(int count) => 2L * count + 1024;

    /// <summary>Builds the id → token table of a token → id vocabulary.</summary>
    /// <exception cref="ArgumentException">An id is out of range (see <see cref="CheckIds"/>).</exception>
    protected static string?[] InvertVocabulary(IReadOnlyDictionary<string, int> vocab)
    {
        foreach (var (token, id) in vocab)
            if (id < 0 || id > MaxId(vocab.Count))
                throw new ArgumentException($"token \"{TextExcerpt.Of(token, 60)}\" has id {id}, outside 0..{MaxId(vocab.Count)} for a vocabulary of {vocab.Count} tokens");
        var tokens = new string?[vocab.Count == 0 ? 0 : vocab.Values.Max() + 1];
        foreach (var (token, id) in vocab) tokens[id] = token;
        return tokens;
    }

    /// <summary>SentencePiece's byte tokens: "&lt;0x41&gt;" for byte 0x41.</summary>
    internal static string ByteToken(byte b) => $"<0x{b:X2}>";

    /// <summary>Indices where each code point of <paramref name="word"/> starts, plus the word's length.</summary>
    internal static int[] CodePointBoundaries(string word)
    {
        var bounds = new List<int>(word.Length + 1);
        for (int i = 0; i < word.Length; i += Rune.GetRuneAt(word, i).Utf16SequenceLength) bounds.Add(i);
        bounds.Add(word.Length);
        return bounds.ToArray();
    }
}

/// <summary>
/// WordPiece (BERT): greedy longest-match-first from the start of the word; pieces after the first carry the
/// continuing-subword prefix ("##"). A word longer than <c>max_input_chars_per_word</c> code points, or with a
/// remainder no vocabulary piece matches, becomes the unknown token as a whole.
/// </summary>
internal sealed class TokenizerJsonWordPieceModel : TokenizerJsonModel
{
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly string?[] _idToToken;
    private readonly string _unk;
    private readonly int _unkId;
    private readonly string _prefix;
    private readonly int _maxChars;

    public TokenizerJsonWordPieceModel(Dictionary<string, int> vocab, string unkToken, string continuingSubwordPrefix, int maxInputCharsPerWord)
    {
        _vocab = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        _lookup = _vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _idToToken = InvertVocabulary(_vocab);
        _unk = unkToken;
        _unkId = _vocab.TryGetValue(unkToken, out var id) ? id
            : throw new ArgumentException($"the WordPiece unk_token \"{unkToken}\" is not in the vocabulary");
        _prefix = continuingSubwordPrefix;
        _maxChars = maxInputCharsPerWord;
    }

    public override string Name => "WordPiece";
    public override int VocabSize => _idToToken.Length;
    public override string? UnkToken => _unk;
    public override int? TokenToId(string token) => _vocab.TryGetValue(token, out var id) ? id : null;
    public override string? IdToToken(int id) => id >= 0 && id < _idToToken.Length ? _idToToken[id] : null;

    public override void Tokenize(string word, List<TokenizerJsonModelToken> output)
    {
        var bounds = CodePointBoundaries(word);
        if (bounds.Length - 1 > _maxChars) { output.Add(new(_unkId, _unk, 0, word.Length)); return; }

        int before = output.Count;
        for (int startIdx = 0; startIdx < bounds.Length - 1;)
        {
            int start = bounds[startIdx], found = -1, foundEnd = -1;
            for (int endIdx = bounds.Length - 1; endIdx > startIdx; endIdx--)
            {
                var candidate = start == 0 ? word.AsSpan(0, bounds[endIdx]) : string.Concat(_prefix.AsSpan(), word.AsSpan(start, bounds[endIdx] - start)).AsSpan();
                if (_lookup.TryGetValue(candidate, out var id)) { found = id; foundEnd = endIdx; break; }
            }
            if (found < 0)
            {
                output.RemoveRange(before, output.Count - before);
                output.Add(new(_unkId, _unk, 0, word.Length));
                return;
            }
            output.Add(new(found, _idToToken[found]!, start, bounds[foundEnd]));
            startIdx = foundEnd;
        }
    }
}

/// <summary>
/// Unigram (SentencePiece) as Hugging Face's tokenizers runs it: the best segmentation of each word by
/// <see cref="UnigramSegmenter"/> with 64-bit sums over every vocabulary entry, an unknown code point scored 10 below
/// the lowest score of the whole vocabulary; consecutive unknowns fuse into one token, and with byte_fallback a fused
/// unknown span becomes its UTF-8 byte tokens ("&lt;0xE9&gt;") when they all exist.
/// </summary>
internal sealed class TokenizerJsonUnigramModel : TokenizerJsonModel
{
    private readonly Dictionary<string, int> _vocab = new(StringComparer.Ordinal);
    private readonly string[] _pieces;
    private readonly int? _unkId;
    private readonly bool _byteFallback;
    private readonly UnigramSegmenter _segmenter;

    public TokenizerJsonUnigramModel(IReadOnlyList<(string Piece, double Score)> vocab, int? unkId, bool byteFallback)
    {
        _pieces = vocab.Select(v => v.Piece).ToArray();
        var scores = vocab.Select(v => v.Score).ToArray();
        for (int i = 0; i < _pieces.Length; i++) _vocab.TryAdd(_pieces[i], i);
        if (unkId is < 0 || unkId >= _pieces.Length) throw new ArgumentException($"unk_id {unkId} is outside the vocabulary (size {_pieces.Length})");
        _unkId = unkId;
        _byteFallback = byteFallback;
        double unkScore = (scores.Length == 0 ? 0 : scores.Min()) - UnigramSegmenter.UnknownPenalty;
        _segmenter = new UnigramSegmenter(_pieces, scores, userDefined: null, unkScore, userDefinedMaxScore: 0, singlePrecision: false);
    }

    public override string Name => "Unigram";
    public override int VocabSize => _pieces.Length;
    public override string? UnkToken => _unkId is { } id ? _pieces[id] : null;
    public override int? TokenToId(string token) => _vocab.TryGetValue(token, out var id) ? id : null;
    public override string? IdToToken(int id) => id >= 0 && id < _pieces.Length ? _pieces[id] : null;

    public override void Tokenize(string word, List<TokenizerJsonModelToken> output)
    {
        var path = _segmenter.Segment(word);
        for (int i = 0; i < path.Count; i++)
        {
            var (id, start, end) = path[i];
            if (id >= 0) { output.Add(new(id, _pieces[id], start, end)); continue; }
            while (i + 1 < path.Count && path[i + 1].Id < 0) end = path[++i].End; // fuse consecutive unknowns
            EmitUnknown(word, start, end, output);
        }
    }

    private void EmitUnknown(string word, int start, int end, List<TokenizerJsonModelToken> output)
    {
        if (_byteFallback)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(word[start..end]);
            var ids = bytes.Select(b => TokenToId(ByteToken(b))).ToArray();
            if (ids.All(id => id is not null))
            {
                foreach (var id in ids) output.Add(new(id!.Value, _pieces[id.Value], start, end));
                return;
            }
        }
        if (_unkId is { } unk) output.Add(new(unk, _pieces[unk], start, end)); // without one the span is dropped
    }
}
