using System.Text;

namespace TuneSharp.Tokenization;

/// <summary>
/// SentencePiece's normaliser (Normalizer::Normalize) for <c>.model</c> files, keeping for every normalised UTF-16
/// unit the span <c>[Start, End)</c> of the caller's text it came from:
/// <list type="number">
/// <item>the input is read prefix by prefix: a user-defined piece is kept as it is; otherwise the longest rule of the
/// precompiled charsmap replaces its source (possibly by nothing); otherwise one character passes unchanged;</item>
/// <item>with remove_extra_whitespaces, prefixes that normalise to exactly " " at the start are dropped, a
/// replacement's leading spaces are dropped after a replacement that ended with a space, and the output's trailing
/// spaces are cut;</item>
/// <item>add_dummy_prefix puts one space in front (behind with treat_whitespace_as_suffix), and escape_whitespaces
/// writes every space as "▁" (U+2581).</item>
/// </list>
/// Only what the rules turn into U+0020 counts as a space (without a charsmap, tabs and newlines are ordinary
/// characters, as in SentencePiece). Offsets: a unit produced by a prefix spans that prefix; a prefix that produces
/// nothing (a removed character, a collapsed space) extends the span of the unit before it, as SentencePiece's
/// norm_to_orig gives a piece the original text up to the next piece; the dummy prefix has an empty span at the first
/// character it precedes.
/// </summary>
internal sealed class SentencePieceNormalizer
{
    private const char SpaceMarker = '\u2581';
    private readonly SentencePieceCharsMap? _charsMap;
    private readonly byte[][] _userDefined; // UTF-8, longest first
    private readonly bool _addDummyPrefix, _removeExtraWhitespaces, _escapeWhitespaces, _whitespaceAsSuffix;

    public SentencePieceNormalizer(SentencePieceCharsMap? charsMap, IEnumerable<string> userDefinedPieces, bool addDummyPrefix,
                                   bool removeExtraWhitespaces, bool escapeWhitespaces, bool treatWhitespaceAsSuffix)
    {
        _charsMap = charsMap;
        _userDefined = userDefinedPieces.Where(p => p.Length > 0).Select(p => System.Text.Encoding.UTF8.GetBytes(p))
            .OrderByDescending(b => b.Length).ToArray();
        _addDummyPrefix = addDummyPrefix;
        _removeExtraWhitespaces = removeExtraWhitespaces;
        _escapeWhitespaces = escapeWhitespaces;
        _whitespaceAsSuffix = treatWhitespaceAsSuffix;
    }

    /// <summary>Whether a dummy prefix is added (for decoding, which removes it again).</summary>
    public bool AddDummyPrefix => _addDummyPrefix;

    /// <summary>Normalises <c>text[start..end)</c>; returns the normalised text and, per UTF-16 unit, its span in <paramref name="text"/>.</summary>
    public (string Text, (int Start, int End)[] Spans) Normalize(string text, int start, int end)
    {
        // UTF-8 bytes of the segment and, for every byte position, the UTF-16 index it starts at (rounded up inside
        // a character, so a span never cuts a surrogate pair).
        var segment = text.AsSpan(start, end - start);
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(segment)];
        System.Text.Encoding.UTF8.GetBytes(segment, bytes);
        var charAt = new int[bytes.Length + 1];
        {
            int b = 0;
            for (int i = start; i < end;)
            {
                Rune.DecodeFromUtf16(text.AsSpan(i, end - i), out var rune, out int units);
                int n = rune.Utf8SequenceLength;
                for (int k = 0; k < n; k++) charAt[b + k] = k == 0 ? i : i + units;
                b += n;
                i += units;
            }
            charAt[bytes.Length] = end;
        }

        var output = new StringBuilder(bytes.Length + 1);
        var spans = new List<(int Start, int End)>(bytes.Length + 1);
        int pos = 0;
        if (_removeExtraWhitespaces)
        {
            while (pos < bytes.Length)
            {
                var (replacement, length) = NormalizePrefix(bytes, pos);
                if (replacement != " ") break;
                pos += length;
            }
        }
        if (pos == bytes.Length) return ("", Array.Empty<(int, int)>());

        void AddSpace(int at)
        {
            output.Append(_escapeWhitespaces ? SpaceMarker : ' ');
            spans.Add((at, at));
        }
        if (!_whitespaceAsSuffix && _addDummyPrefix) AddSpace(charAt[pos]);

        bool previousWasSpace = _removeExtraWhitespaces;
        while (pos < bytes.Length)
        {
            var (replacement, length) = NormalizePrefix(bytes, pos);
            var span = (charAt[pos], charAt[pos + length]);
            int skip = 0;
            if (previousWasSpace) while (skip < replacement.Length && replacement[skip] == ' ') skip++;
            if (skip < replacement.Length)
            {
                for (int k = skip; k < replacement.Length; k++)
                {
                    char c = replacement[k];
                    output.Append(_escapeWhitespaces && c == ' ' ? SpaceMarker : c);
                    spans.Add(span);
                }
                previousWasSpace = replacement[^1] == ' ';
            }
            else if (spans.Count > 0) spans[^1] = (spans[^1].Start, span.Item2); // nothing produced: the unit before covers it
            pos += length;
            if (!_removeExtraWhitespaces) previousWasSpace = false;
        }

        if (_removeExtraWhitespaces)
        {
            char space = _escapeWhitespaces ? SpaceMarker : ' ';
            while (output.Length > 0 && output[^1] == space)
            {
                output.Length--;
                spans.RemoveAt(spans.Count - 1);
            }
        }
        if (_whitespaceAsSuffix && _addDummyPrefix) AddSpace(spans.Count > 0 ? spans[^1].End : charAt[pos]);
        return (output.ToString(), spans.ToArray());
    }

    /// <summary>One step of Normalizer::NormalizePrefix: a user-defined piece as it is, else the longest charsmap rule,
    /// else one character unchanged; with the number of input bytes consumed.</summary>
    private (string Replacement, int Length) NormalizePrefix(byte[] bytes, int pos)
    {
        var rest = bytes.AsSpan(pos);
        foreach (var user in _userDefined)
            if (rest.StartsWith(user)) return (System.Text.Encoding.UTF8.GetString(user), user.Length);
        if (_charsMap is not null && _charsMap.TryLongest(rest, out int length, out var replacement)) return (replacement, length);
        Rune.DecodeFromUtf8(rest, out var rune, out int consumed);
        return (rune.ToString(), consumed);
    }
}
