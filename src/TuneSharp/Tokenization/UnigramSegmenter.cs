namespace TuneSharp.Tokenization;

/// <summary>
/// The Unigram segmentation shared by SentencePiece <c>.model</c> files and tokenizer.json "Unigram" models: the
/// split of a (normalised) string into vocabulary pieces with the highest total score, found by Viterbi over code
/// point positions, as SentencePiece's optimised encoder does it. For every start position in order, each piece that
/// starts there relaxes the best path ending where it ends (a candidate replaces the best only when strictly greater,
/// so ties keep the path found first); where no single-character piece starts, an unknown step of one code point is
/// scored <see cref="UnknownScore"/>. The two loaders differ only in the numbers they pass: SentencePiece scores and
/// sums in 32-bit floats, ignores UNUSED pieces, gives USER_DEFINED pieces a bonus and takes the unknown penalty
/// below the lowest NORMAL score; Hugging Face's Unigram uses 64-bit sums over every vocabulary entry.
/// </summary>
internal sealed class UnigramSegmenter
{
    /// <summary>SentencePiece's kUnkPenalty (and Hugging Face's K_UNK_PENALTY): an unknown character scores this much
    /// below the lowest piece score.</summary>
    public const float UnknownPenalty = 10.0f;

    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly double[] _scores;
    private readonly bool[] _userDefined;
    private readonly double _userDefinedMaxScore;
    private readonly bool _single;
    private readonly int _maxPieceLength;

    /// <summary>Score of an unknown one-code-point step.</summary>
    public double UnknownScore { get; }

    /// <summary>One step of the best path: a piece id, or -1 for an unknown code point, over <c>[Start, End)</c> (UTF-16 units).</summary>
    public readonly record struct Step(int Id, int Start, int End);

    /// <param name="pieces">Matchable pieces by id (null for ids the segmentation never produces: SentencePiece's
    /// control, unknown, byte and unused pieces).</param>
    /// <param name="scores">Score of each id.</param>
    /// <param name="userDefined">Ids that get SentencePiece's user-defined score (UTF-8 length × max score − 0.1), or null.</param>
    /// <param name="unknownScore">Score of an unknown step.</param>
    /// <param name="userDefinedMaxScore">SentencePiece's max_score_: the largest NORMAL score, at least FLT_MIN.</param>
    /// <param name="singlePrecision">Sum in 32-bit floats, as SentencePiece does (its user-defined scores are doubles).</param>
    public UnigramSegmenter(IReadOnlyList<string?> pieces, IReadOnlyList<double> scores, bool[]? userDefined, double unknownScore,
                            double userDefinedMaxScore, bool singlePrecision)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < pieces.Count; id++)
            if (pieces[id] is { Length: > 0 } p) vocab.TryAdd(p, id);
        _lookup = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _maxPieceLength = vocab.Count == 0 ? 0 : vocab.Keys.Max(p => p.Length);
        _scores = scores.ToArray();
        _userDefined = userDefined ?? new bool[pieces.Count];
        _userDefinedMaxScore = userDefinedMaxScore;
        _single = singlePrecision;
        UnknownScore = singlePrecision ? (float)unknownScore : unknownScore;
    }

    /// <summary>The best path through <paramref name="text"/>; unknown code points are separate steps with id -1.</summary>
    public List<Step> Segment(string text)
    {
        var bounds = TokenizerJsonModel.CodePointBoundaries(text);
        int n = bounds.Length - 1;
        var bestScore = new double[n + 1];
        var bestStart = new int[n + 1];
        var bestId = new int[n + 1];
        Array.Fill(bestStart, -1);
        bestStart[0] = 0;
        for (int k = 0; k < n; k++)
        {
            if (bestStart[k] < 0) continue; // unreachable (cannot happen: every position has at least an unknown step)
            double before = bestScore[k];
            bool hasSingle = false;
            for (int e = k + 1; e <= n && bounds[e] - bounds[k] <= _maxPieceLength; e++)
            {
                var piece = text.AsSpan(bounds[k], bounds[e] - bounds[k]);
                if (!_lookup.TryGetValue(piece, out var id)) continue;
                if (e == k + 1) hasSingle = true;
                double candidate;
                if (_userDefined[id])
                {
                    // SentencePiece: (length * max_score_ - 0.1) is a double (float product minus a double literal).
                    float product = System.Text.Encoding.UTF8.GetByteCount(piece) * (float)_userDefinedMaxScore;
                    candidate = before + ((double)product - 0.1);
                }
                else candidate = _single ? (float)before + (float)_scores[id] : before + _scores[id];
                Relax(e, k, id, candidate);
            }
            if (!hasSingle) Relax(k + 1, k, -1, _single ? (float)before + (float)UnknownScore : before + UnknownScore);
        }

        void Relax(int to, int from, int id, double candidate)
        {
            if (bestStart[to] >= 0 && !(candidate > bestScore[to])) return;
            bestScore[to] = _single ? (float)candidate : candidate;
            bestStart[to] = from;
            bestId[to] = id;
        }

        var path = new List<Step>();
        for (int k = n; k > 0; k = bestStart[k]) path.Add(new Step(bestId[k], bounds[bestStart[k]], bounds[k]));
        path.Reverse();
        return path;
    }
}
