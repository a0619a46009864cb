using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace TuneSharp.Tokenization;

/// <summary>A tokenizer.json "normalizer": rewrites text before it is split, keeping alignment to the original.</summary>
internal abstract class TokenizerJsonNormalizer
{
    public abstract TokenizerJsonNormalizedText Normalize(TokenizerJsonNormalizedText text);

    /// <summary>Rust's <c>char::to_lowercase</c>: like .NET's invariant lower-casing except that 'İ' becomes "i̇"
    /// (invariant mode leaves it unchanged).</summary>
    internal static string? LowerCase(Rune r)
    {
        if (r.Value == 0x130) return "i\u0307";
        var lower = Rune.ToLowerInvariant(r);
        return lower == r ? null : lower.ToString();
    }

    internal static bool IsNonSpacingMark(Rune r) => Rune.GetUnicodeCategory(r) == UnicodeCategory.NonSpacingMark;
}

/// <summary>Applies several normalizers in order.</summary>
internal sealed class JsonSequenceNormalizer(IReadOnlyList<TokenizerJsonNormalizer> steps) : TokenizerJsonNormalizer
{
    public override TokenizerJsonNormalizedText Normalize(TokenizerJsonNormalizedText text)
    {
        foreach (var step in steps) text = step.Normalize(text);
        return text;
    }
}

/// <summary>Lower-cases every code point.</summary>
internal sealed class JsonLowercaseNormalizer : TokenizerJsonNormalizer
{
    public override TokenizerJsonNormalizedText Normalize(TokenizerJsonNormalizedText text) => text.MapCodePoints(LowerCase);
}

/// <summary>One of the Unicode normalization forms (NFC, NFD, NFKC, NFKD).</summary>
internal sealed class JsonUnicodeFormNormalizer(NormalizationForm form) : TokenizerJsonNormalizer
{
    public override TokenizerJsonNormalizedText Normalize(TokenizerJsonNormalizedText text) => text.UnicodeNormalize(form);
}

/// <summary>Removes combining marks (category Mn); meant to follow NFD/NFKD.</summary>
internal sealed class JsonStripAccentsNormalizer : TokenizerJsonNormalizer
{
    public override TokenizerJsonNormalizedText Normalize(TokenizerJsonNormalizedText text)
        => text.MapCodePoints(r => IsNonSpacingMark(r) ? "" : null);
}

/// <summary>Removes white space at the left and/or right end.</summary>
internal sealed class JsonStripNormalizer(bool left, bool right) : TokenizerJsonNormalizer
{
    public override TokenizerJsonNormalizedText Normalize(TokenizerJsonNormalizedText text) => text.Strip(left, right);
}

/// <summary>Replaces a literal string or regex with fixed content.</summary>
internal sealed class JsonReplaceNormalizer(Regex pattern, string content) : TokenizerJsonNormalizer
{
    public override TokenizerJsonNormalizedText Normalize(TokenizerJsonNormalizedText text) => text.Replace(pattern, content);
}

/// <summary>Puts a fixed string in front of non-empty text (Llama's "▁").</summary>
internal sealed class JsonPrependNormalizer(string prefix) : TokenizerJsonNormalizer
{
    public override TokenizerJsonNormalizedText Normalize(TokenizerJsonNormalizedText text) => text.Prepend(prefix);
}

/// <summary>
/// BERT's normalizer: drops control characters and maps white space to ' ' (clean_text), surrounds CJK
/// ideographs with spaces (handle_chinese_chars), removes accents after NFD (strip_accents) and lower-cases.
/// Steps run in that order, as in Hugging Face tokenizers.
/// </summary>
internal sealed class JsonBertNormalizer(bool cleanText, bool handleChineseChars, bool stripAccents, bool lowercase) : TokenizerJsonNormalizer
{
    public override TokenizerJsonNormalizedText Normalize(TokenizerJsonNormalizedText text)
    {
        if (cleanText) text = text.MapCodePoints(CleanChar);
        if (handleChineseChars) text = text.MapCodePoints(r => IsChineseChar(r.Value) ? $" {r} " : null);
        if (stripAccents)
            text = text.UnicodeNormalize(NormalizationForm.FormD).MapCodePoints(r => IsNonSpacingMark(r) ? "" : null);
        if (lowercase) text = text.MapCodePoints(LowerCase);
        return text;
    }

    private static string? CleanChar(Rune r)
    {
        if (r.Value == 0 || r.Value == 0xFFFD || IsControl(r)) return "";
        if (IsBertWhitespace(r)) return r.Value == ' ' ? null : " ";
        return null;
    }

    /// <summary>BERT treats \t, \n, \r as white space and other Cc/Cf characters as control characters.</summary>
    private static bool IsControl(Rune r)
    {
        if (r.Value is '\t' or '\n' or '\r') return false;
        var cat = Rune.GetUnicodeCategory(r);
        return cat is UnicodeCategory.Control or UnicodeCategory.Format;
    }

    internal static bool IsBertWhitespace(Rune r)
        => r.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(r) == UnicodeCategory.SpaceSeparator;

    /// <summary>The CJK Unified Ideograph blocks BERT isolates (not Japanese kana or Hangul).</summary>
    internal static bool IsChineseChar(int cp)
        => cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF
              or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF
              or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}

/// <summary>
/// Hugging Face's "Precompiled" normaliser: SentencePiece's compiled rules (<see cref="SentencePieceCharsMap"/>, the
/// base64 precompiled_charsmap) applied as tokenizers applies them, which is not quite as SentencePiece does: each
/// extended grapheme cluster shorter than 6 UTF-8 bytes is looked up whole, and the SHORTEST rule whose source starts
/// it replaces the whole cluster (so "Ａ" + a combining accent becomes just "A" where SentencePiece keeps the accent);
/// other clusters, and clusters no rule starts, are looked up one code point at a time (so half-width "ｶﾞ", 6 bytes,
/// becomes "カ" + U+3099 where SentencePiece's longest match gives "ガ"). Replacements take the original span of
/// what they replace.
/// </summary>
internal sealed class JsonPrecompiledNormalizer(SentencePieceCharsMap charsMap) : TokenizerJsonNormalizer
{
    public override TokenizerJsonNormalizedText Normalize(TokenizerJsonNormalizedText text)
    {
        var s = text.Text;
        var b = new TokenizerJsonNormalizedText.Builder();
        Span<byte> buffer = stackalloc byte[64];
        bool changed = false;
        var clusters = StringInfo.GetTextElementEnumerator(s);
        while (clusters.MoveNext())
        {
            int start = clusters.ElementIndex, end = start + ((string)clusters.Current).Length;
            var cluster = s.AsSpan(start, end - start);
            int byteCount = System.Text.Encoding.UTF8.GetByteCount(cluster);
            if (byteCount < 6)
            {
                int n = System.Text.Encoding.UTF8.GetBytes(cluster, buffer);
                if (charsMap.TryFirst(buffer[..n], out var whole))
                {
                    b.Append(whole, text.OriginalRange(start, end));
                    changed = true;
                    continue;
                }
            }
            for (int i = start; i < end;)
            {
                int units = Rune.GetRuneAt(s, i).Utf16SequenceLength;
                int n = System.Text.Encoding.UTF8.GetBytes(s.AsSpan(i, units), buffer);
                if (charsMap.TryFirst(buffer[..n], out var part))
                {
                    b.Append(part, text.OriginalRange(i, i + units));
                    changed = true;
                }
                else b.AppendFrom(text, i, i + units);
                i += units;
            }
        }
        return changed ? b.Build() : text;
    }
}
