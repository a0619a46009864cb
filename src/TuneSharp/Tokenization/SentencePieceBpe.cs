using System.Text;

namespace TuneSharp.Tokenization;

/// <summary>
/// SentencePiece's BPE encoding of an already-normalised string: start from single characters (user-defined
/// pieces kept whole), repeatedly merge the adjacent pair whose concatenation is a piece with the highest score
/// (leftmost on ties), then map each symbol to its id, falling back to UTF-8 byte pieces (or merged [UNK] runs).
/// Microsoft.ML.Tokenizers 2.0.1's SentencePieceTokenizer was not used because it drops one-character inputs
/// (it encodes "a" to no tokens and "   " to "▁"), which the stories260K tests caught.
/// </summary>
internal sealed class SentencePieceBpe
{
    private readonly Dictionary<string, int> _mergeable = new(StringComparer.Ordinal); // normal, user-defined, unused
    private readonly Dictionary<string, int> _reserved = new(StringComparer.Ordinal);  // control, unknown, byte
    private readonly float[] _scores;
    private readonly string[] _userDefined;
    private readonly int[] _byteIds = Enumerable.Repeat(-1, 256).ToArray();
    private readonly int _unkId;
    private readonly bool _byteFallback;

    /// <summary>A model token: id and span [Start, End) in the normalised string.</summary>
    public readonly record struct Piece(int Id, int Start, int End);

    public SentencePieceBpe(SentencePieceModelFile model)
    {
        _scores = model.Pieces.Select(p => p.Score).ToArray();
        for (int id = 0; id < model.Pieces.Length; id++)
        {
            var (piece, _, type) = model.Pieces[id];
            if (type is SentencePieceType.Normal or SentencePieceType.UserDefined or SentencePieceType.Unused) _mergeable.TryAdd(piece, id);
            else _reserved.TryAdd(piece, id);
            if (type == SentencePieceType.Byte && piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal)
                && byte.TryParse(piece.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out byte b))
                _byteIds[b] = id;
        }
        _userDefined = model.Pieces.Where(p => p.Type == SentencePieceType.UserDefined).Select(p => p.Piece)
            .Where(p => p.Length > 0).OrderByDescending(p => p.Length).ToArray();
        _unkId = model.UnkId;
        _byteFallback = model.ByteFallback;
    }

    public void Encode(string text, List<Piece> output)
    {
        if (text.Length == 0) return;
        // Symbols as a doubly linked list over [start, end) ranges of `text`.
        var starts = new List<int>(); var ends = new List<int>(); var frozen = new List<bool>();
        for (int i = 0; i < text.Length;)
        {
            var user = _userDefined.FirstOrDefault(u => string.CompareOrdinal(text, i, u, 0, u.Length) == 0);
            int length = user?.Length ?? (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1);
            starts.Add(i); ends.Add(i + length); frozen.Add(user is not null);
            i += length;
        }
        int n = starts.Count;
        var prev = Enumerable.Range(-1, n).ToArray();
        var next = Enumerable.Range(1, n).Select(j => j == n ? -1 : j).ToArray();
        var end = ends.ToArray();
        var alive = Enumerable.Repeat(true, n).ToArray();

        // Highest score first, then leftmost: priority (-score, left).
        var agenda = new PriorityQueue<(int Left, int Right, int Length), (float, int)>();
        void MaybeAdd(int left, int right)
        {
            if (left < 0 || right < 0 || frozen[left] || frozen[right]) return;
            var merged = text[starts[left]..end[right]];
            if (_mergeable.TryGetValue(merged, out int id)) agenda.Enqueue((left, right, merged.Length), (-_scores[id], left));
        }
        for (int j = 1; j < n; j++) MaybeAdd(j - 1, j);

        while (agenda.TryDequeue(out var top, out _))
        {
            // Skip pairs made stale by an earlier merge.
            if (!alive[top.Left] || !alive[top.Right] || next[top.Left] != top.Right || end[top.Right] - starts[top.Left] != top.Length) continue;
            end[top.Left] = end[top.Right];
            alive[top.Right] = false;
            next[top.Left] = next[top.Right];
            if (next[top.Right] >= 0) prev[next[top.Right]] = top.Left;
            MaybeAdd(prev[top.Left], top.Left);
            MaybeAdd(top.Left, next[top.Left]);
        }

        bool previousWasUnknown = false;
        for (int j = 0; j >= 0; j = next[j])
        {
            var piece = text[starts[j]..end[j]];
            int id = _reserved.TryGetValue(piece, out var r) ? r : _mergeable.TryGetValue(piece, out var m) ? m : -1;
            if (id >= 0) { output.Add(new Piece(id, starts[j], end[j])); previousWasUnknown = false; continue; }
            if (_byteFallback && AllBytesKnown(piece))
            {
                foreach (byte b in System.Text.Encoding.UTF8.GetBytes(piece)) output.Add(new Piece(_byteIds[b], starts[j], end[j]));
                previousWasUnknown = false;
                continue;
            }
            // SentencePiece joins a run of unknown symbols into one [UNK].
            if (previousWasUnknown) output[^1] = output[^1] with { End = end[j] };
            else output.Add(new Piece(_unkId, starts[j], end[j]));
            previousWasUnknown = true;
        }
    }

    private bool AllBytesKnown(string piece) => System.Text.Encoding.UTF8.GetBytes(piece).All(b => _byteIds[b] >= 0);
}
