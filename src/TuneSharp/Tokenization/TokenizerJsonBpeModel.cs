using System.Collections.Concurrent;
using System.Text;

namespace TuneSharp.Tokenization;

/// <summary>Settings of a BPE model besides its vocabulary and merges (names follow tokenizer.json).</summary>
internal sealed record TokenizerJsonBpeOptions
{
    public string? UnkToken { get; init; }
    public string? ContinuingSubwordPrefix { get; init; }
    public string? EndOfWordSuffix { get; init; }
    public bool FuseUnk { get; init; }
    public bool ByteFallback { get; init; }
    public bool IgnoreMerges { get; init; }
}

/// <summary>
/// Byte-pair encoding. A word starts as one symbol per code point (with the continuing-subword prefix on all but
/// the first and the end-of-word suffix on the last); then, repeatedly, the adjacent pair with the lowest merge
/// rank is merged (the leftmost one when a rank occurs twice), until no adjacent pair has a merge. This is the
/// order Hugging Face's priority queue produces. Code points missing from the vocabulary become byte tokens
/// ("&lt;0xE9&gt;", byte_fallback) or the unknown token (consecutive ones fused with fuse_unk), or are dropped
/// when the model has no unknown token. Results are cached per word. Written by hand rather than with
/// Microsoft.ML.Tokenizers' BpeTokenizer because that class owns its own pre-tokenization and normalisation and
/// reports offsets in its own terms, while tokenizer.json pipelines need a model that only segments one word.
/// </summary>
internal sealed class TokenizerJsonBpeModel : TokenizerJsonModel
{
    private const int CacheCapacity = 50_000;
    private readonly Dictionary<string, int> _vocab;
    private readonly string?[] _idToToken;
    private readonly Dictionary<(int, int), (int Rank, int Id)> _merges = new();
    private readonly TokenizerJsonBpeOptions _options;
    private readonly int? _unkId;
    private readonly ConcurrentDictionary<string, TokenizerJsonModelToken[]> _cache = new(StringComparer.Ordinal);

    /// <exception cref="ArgumentException">A merge names a token missing from the vocabulary, or the unk token is missing.</exception>
    public TokenizerJsonBpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges, TokenizerJsonBpeOptions options)
    {
        _vocab = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        _idToToken = InvertVocabulary(_vocab);
        _options = options;
        int prefixLength = options.ContinuingSubwordPrefix?.Length ?? 0;
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            // With a continuing-subword prefix the merged token drops the right part's prefix: "##a" + "##b" → "##ab".
            var merged = prefixLength > 0 && right.StartsWith(options.ContinuingSubwordPrefix!, StringComparison.Ordinal)
                ? left + right[prefixLength..] : left + right;
            if (!_vocab.TryGetValue(left, out var l) || !_vocab.TryGetValue(right, out var r))
                throw new ArgumentException($"merges[{rank}] \"{left} {right}\" uses a token that is not in the vocabulary");
            if (!_vocab.TryGetValue(merged, out var m))
                throw new ArgumentException($"merges[{rank}] \"{left} {right}\" produces \"{merged}\", which is not in the vocabulary");
            _merges.TryAdd((l, r), (rank, m));
        }
        if (options.UnkToken is { } unk)
            _unkId = _vocab.TryGetValue(unk, out var u) ? u : throw new ArgumentException($"the unk_token \"{unk}\" is not in the vocabulary");
    }

    public override string Name => "BPE";
    public override int VocabSize => _idToToken.Length;
    public override string? UnkToken => _options.UnkToken;
    public override int? TokenToId(string token) => _vocab.TryGetValue(token, out var id) ? id : null;
    public override string? IdToToken(int id) => id >= 0 && id < _idToToken.Length ? _idToToken[id] : null;

    public override void Tokenize(string word, List<TokenizerJsonModelToken> output)
    {
        if (word.Length == 0) return;
        if (!_cache.TryGetValue(word, out var tokens))
        {
            tokens = Segment(word);
            if (_cache.Count >= CacheCapacity) _cache.Clear();
            _cache[word] = tokens;
        }
        output.AddRange(tokens);
    }

    private TokenizerJsonModelToken[] Segment(string word)
    {
        if (_options.IgnoreMerges && _vocab.TryGetValue(word, out var whole))
            return [new(whole, word, 0, word.Length)];

        var symbols = InitialSymbols(word);
        while (true)
        {
            int best = -1, bestRank = int.MaxValue, bestId = -1;
            for (int i = 0; i + 1 < symbols.Count; i++)
            {
                if (_merges.TryGetValue((symbols[i].Id, symbols[i + 1].Id), out var merge) && merge.Rank < bestRank)
                    (best, bestRank, bestId) = (i, merge.Rank, merge.Id);
            }
            if (best < 0) break;
            symbols[best] = (bestId, symbols[best].Start, symbols[best + 1].End);
            symbols.RemoveAt(best + 1);
        }
        return symbols.Select(s => new TokenizerJsonModelToken(s.Id, _idToToken[s.Id]!, s.Start, s.End)).ToArray();
    }

    private List<(int Id, int Start, int End)> InitialSymbols(string word)
    {
        var symbols = new List<(int Id, int Start, int End)>(word.Length);
        bool previousUnknown = false;
        var bounds = CodePointBoundaries(word);
        for (int k = 0; k + 1 < bounds.Length; k++)
        {
            int start = bounds[k], end = bounds[k + 1];
            var piece = word[start..end];
            if (k > 0 && _options.ContinuingSubwordPrefix is { } prefix) piece = prefix + piece;
            if (k + 2 == bounds.Length && _options.EndOfWordSuffix is { } suffix) piece += suffix;

            if (_vocab.TryGetValue(piece, out var id))
            {
                symbols.Add((id, start, end));
                previousUnknown = false;
                continue;
            }
            if (_options.ByteFallback)
            {
                var byteIds = System.Text.Encoding.UTF8.GetBytes(word[start..end]).Select(b => TokenToId(ByteToken(b))).ToArray();
                if (byteIds.All(b => b is not null))
                {
                    foreach (var b in byteIds) symbols.Add((b!.Value, start, end));
                    previousUnknown = false;
                    continue;
                }
            }
            if (_unkId is not { } unkId) continue; // no unknown token: the character is dropped, as in Hugging Face
            if (_options.FuseUnk && previousUnknown) symbols[^1] = (unkId, symbols[^1].Start, end);
            else symbols.Add((unkId, start, end));
            previousUnknown = true;
        }
        return symbols;
    }
}
