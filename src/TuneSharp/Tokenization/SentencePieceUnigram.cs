namespace TuneSharp.Tokenization;

/// <summary>
/// SentencePiece's Unigram encoding of an already-normalised string from a <c>.model</c> file (XLM-RoBERTa's and
/// CamemBERT's sentencepiece.bpe.model, DeBERTa-v2/v3's spm.model, T5's and ALBERT's spiece.model), through the shared
/// <see cref="UnigramSegmenter"/> with SentencePiece's numbers: 32-bit float sums; NORMAL and USER_DEFINED pieces
/// matchable (control, unknown, byte and UNUSED pieces never are); a user-defined piece scores its UTF-8 length × the
/// highest NORMAL score (at least FLT_MIN) − 0.1, which makes it win; an unknown character scores the lowest NORMAL score
/// − 10. Unknown characters become their UTF-8 byte pieces with byte_fallback, otherwise a run of them becomes one
/// unknown piece (SentencePiece merges it so the surface can be copied back).
/// <para>Hand-written because no NuGet package does this faithfully: Microsoft.ML.Tokenizers 2.0.1 and 3.0.0 give each
/// unknown character its own unknown token, keep characters the charsmap removes, and report offsets into the
/// normalised text instead of the caller's (checked against tests/…/Fixtures/spm/xlmr_like.model).</para>
/// </summary>
internal sealed class SentencePieceUnigram
{
    private const float FltMin = 1.17549435E-38f; // C's FLT_MIN, SentencePiece's initial max_score_
    private readonly UnigramSegmenter _segmenter;
    private readonly int _unkId;
    private readonly bool _byteFallback;
    private readonly int[] _byteIds = Enumerable.Repeat(-1, 256).ToArray();

    public SentencePieceUnigram(SentencePieceModelFile model)
    {
        var pieces = model.Pieces;
        var matchable = new string?[pieces.Length];
        var scores = new double[pieces.Length];
        var userDefined = new bool[pieces.Length];
        float min = float.MaxValue, max = FltMin;
        for (int id = 0; id < pieces.Length; id++)
        {
            var (piece, score, type) = pieces[id];
            scores[id] = score;
            if (type == SentencePieceType.Normal) { min = Math.Min(min, score); max = Math.Max(max, score); }
            if (type is SentencePieceType.Normal or SentencePieceType.UserDefined) matchable[id] = piece;
            userDefined[id] = type == SentencePieceType.UserDefined;
            if (type == SentencePieceType.Unknown) _unkId = id; // SentencePiece's unk_id_ is the UNKNOWN piece
            if (type == SentencePieceType.Byte) _byteIds[Convert.ToByte(piece.Substring(3, 2), 16)] = id;
        }
        _byteFallback = model.ByteFallback;
        _segmenter = new UnigramSegmenter(matchable, scores, userDefined, min - UnigramSegmenter.UnknownPenalty, max, singlePrecision: true);
    }

    public void Encode(string normalized, List<SentencePieceBpe.Piece> output)
    {
        if (normalized.Length == 0) return;
        var path = _segmenter.Segment(normalized);
        for (int i = 0; i < path.Count; i++)
        {
            var (id, start, end) = path[i];
            if (id >= 0) { output.Add(new(id, start, end)); continue; }
            if (_byteFallback)
            {
                // Each unknown character becomes its bytes; all of them span the character (SentencePiece gives the
                // surface to the last byte piece, Hugging Face's fast tokenizers give the span to every one).
                foreach (byte b in System.Text.Encoding.UTF8.GetBytes(normalized[start..end])) output.Add(new(_byteIds[b], start, end));
                continue;
            }
            while (i + 1 < path.Count && path[i + 1].Id < 0) end = path[++i].End;
            output.Add(new(_unkId, start, end));
        }
    }
}
