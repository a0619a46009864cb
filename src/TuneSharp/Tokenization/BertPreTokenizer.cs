using System.Globalization;
using System.Text;

namespace TuneSharp.Tokenization;

/// <summary>
/// BERT's "basic tokenizer": cleans the text, optionally lower-cases and strips accents, splits on whitespace,
/// punctuation and around CJK ideographs, and returns the normalised words with, for every normalised char,
/// the span of the original text it came from. We normalise char by char (instead of normalising the whole
/// string as Microsoft.ML.Tokenizers' BertTokenizer does) because that library reports offsets into the
/// normalised text; for input like "e\u0301" or "İ" those differ from the caller's string.
/// </summary>
internal sealed class BertPreTokenizer
{
    private readonly bool _lowerCase;
    private readonly bool _stripAccents;
    private readonly bool _splitCjk;

    /// <summary>A normalised word and, per char of <see cref="Text"/>, its original span [Start, End).</summary>
    public sealed record Word(string Text, int[] Starts, int[] Ends);

    public BertPreTokenizer(bool lowerCase, bool stripAccents, bool splitCjk)
        => (_lowerCase, _stripAccents, _splitCjk) = (lowerCase, stripAccents, splitCjk);

    /// <summary>Splits <paramref name="text"/>[start, end) into words; offsets are absolute indices into <paramref name="text"/>.</summary>
    public List<Word> Split(string text, int start, int end)
    {
        var words = new List<Word>();
        var current = new StringBuilder();
        var starts = new List<int>();
        var ends = new List<int>();

        void Flush()
        {
            if (current.Length == 0) return;
            words.Add(new Word(current.ToString(), starts.ToArray(), ends.ToArray()));
            current.Clear(); starts.Clear(); ends.Clear();
        }

        void Emit(string normalized, int from, int to)
        {
            foreach (char c in normalized) { current.Append(c); starts.Add(from); ends.Add(to); }
        }

        int i = start;
        while (i < end)
        {
            // A lone surrogate decodes as U+FFFD (consumed 1) and is then dropped like U+FFFD itself.
            Rune.DecodeFromUtf16(text.AsSpan(i, end - i), out var rune, out int consumed);
            int next = i + consumed;

            if (IsWhitespace(rune)) { Flush(); i = next; continue; }
            if (IsDropped(rune))
            {
                // Removed chars widen the previous char's span (as HF's NormalizedString does), so no original text is orphaned inside a word.
                if (ends.Count > 0) ends[^1] = next;
                i = next;
                continue;
            }

            string normalized = Normalize(rune);
            if (normalized.Length == 0)
            {
                if (ends.Count > 0) ends[^1] = next; // e.g. a lone combining accent
            }
            else if ((_splitCjk && IsCjk(rune.Value)) || IsPunctuation(normalized))
            {
                Flush();
                Emit(normalized, i, next);
                Flush();
            }
            else
            {
                Emit(normalized, i, next);
            }
            i = next;
        }
        Flush();
        return words;
    }

    private static readonly string[] AsciiStrings = Enumerable.Range(0, 128).Select(c => ((char)c).ToString()).ToArray();

    private string Normalize(Rune rune)
    {
        if (rune.IsAscii) // fast path: ASCII has no accents to strip
            return AsciiStrings[_lowerCase ? char.ToLowerInvariant((char)rune.Value) : rune.Value];
        string s = rune.ToString();
        if (_lowerCase) s = s.ToLowerInvariant();
        if (!_stripAccents) return s;
        // string.Normalize is a no-op for non-ASCII under InvariantGlobalization (this project), hence the hand-written NFD.
        var decomposed = TokenizerJsonUnicodeNormalization.Normalize(s, NormalizationForm.FormD);
        var kept = new StringBuilder(decomposed.Length);
        foreach (var r in decomposed.EnumerateRunes())
            if (Rune.GetUnicodeCategory(r) != UnicodeCategory.NonSpacingMark) kept.Append(r.ToString());
        return kept.ToString();
    }

    /// <summary>Punctuation as BERT defines it: ASCII non-alphanumeric printable symbols plus Unicode P* categories.
    /// Checked on the normalised form (lower-casing/NFD never turns letters into punctuation or back).</summary>
    private static bool IsPunctuation(string normalized)
    {
        var rune = Rune.GetRuneAt(normalized, 0);
        int cp = rune.Value;
        if (cp is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126) return true;
        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>BERT whitespace: space, \t, \n, \r and Unicode space separators (Zs).</summary>
    private static bool IsWhitespace(Rune rune)
        => rune.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator;

    /// <summary>Chars BERT's clean-up removes: NUL, U+FFFD and control/format/unassigned chars (category C*).</summary>
    private static bool IsDropped(Rune rune)
    {
        if (rune.Value is 0 or 0xFFFD) return true;
        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;
    }

    /// <summary>The CJK Unified Ideograph blocks BERT splits into single characters (not Hiragana, Katakana or Hangul).</summary>
    internal static bool IsCjk(int cp)
        => cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF
            or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF
            or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
