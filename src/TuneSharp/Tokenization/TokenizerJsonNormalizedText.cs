using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace TuneSharp.Tokenization;

/// <summary>
/// A piece of text after some normalisation steps, remembering for every UTF-16 unit of <see cref="Text"/> the
/// span <c>[Start, End)</c> of the ORIGINAL input it came from (the role of Hugging Face's NormalizedString).
/// Every transformation builds a new instance and carries the spans along, so a token found in normalised text
/// can always be mapped back to the caller's string: lower-casing keeps the span of each character, removing a
/// character drops its span, and characters that appear (a decomposed accent, an inserted space) reuse the span
/// of the character they were produced from. Immutable.
/// </summary>
internal sealed class TokenizerJsonNormalizedText
{
    public string Text { get; }
    private readonly (int Start, int End)[] _alignment;

    private TokenizerJsonNormalizedText(string text, (int Start, int End)[] alignment)
    {
        Text = text;
        _alignment = alignment;
    }

    /// <summary>The unmodified substring <c>original[start..end)</c>, each unit aligned to itself.</summary>
    public static TokenizerJsonNormalizedText FromOriginal(string original, int start, int end)
    {
        var alignment = new (int, int)[end - start];
        for (int i = 0; i < alignment.Length; i++) alignment[i] = (start + i, start + i + 1);
        return new TokenizerJsonNormalizedText(original[start..end], alignment);
    }

    public int Length => Text.Length;

    /// <summary>Original span covered by the normalised units <c>[start, end)</c>.</summary>
    public (int Start, int End) OriginalRange(int start, int end)
    {
        if (end <= start)
        {
            if (_alignment.Length == 0) return (0, 0);
            int at = start < _alignment.Length ? _alignment[start].Start : _alignment[^1].End;
            return (at, at);
        }
        int s = int.MaxValue, e = int.MinValue;
        for (int i = start; i < end; i++)
        {
            s = Math.Min(s, _alignment[i].Start);
            e = Math.Max(e, _alignment[i].End);
        }
        return (s, e);
    }

    /// <summary>The normalised units <c>[start, end)</c> with their alignment.</summary>
    public TokenizerJsonNormalizedText Slice(int start, int end) => new(Text[start..end], _alignment[start..end]);

    /// <summary>Collects new text and alignment for one transformation.</summary>
    internal sealed class Builder
    {
        private readonly StringBuilder _text = new();
        private readonly List<(int, int)> _alignment = new();

        public void Append(string s, (int Start, int End) span)
        {
            _text.Append(s);
            for (int i = 0; i < s.Length; i++) _alignment.Add(span);
        }

        public void AppendFrom(TokenizerJsonNormalizedText source, int start, int end)
        {
            _text.Append(source.Text, start, end - start);
            for (int i = start; i < end; i++) _alignment.Add(source._alignment[i]);
        }

        public TokenizerJsonNormalizedText Build() => new(_text.ToString(), _alignment.ToArray());
    }

    /// <summary>Replaces every code point by <paramref name="map"/>'s string (possibly empty, possibly longer);
    /// the new units take the original span of the code point. A null result keeps the code point unchanged.</summary>
    public TokenizerJsonNormalizedText MapCodePoints(Func<Rune, string?> map)
    {
        var b = new Builder();
        bool changed = false;
        for (int i = 0; i < Text.Length;)
        {
            var rune = Rune.GetRuneAt(Text, i);
            int n = rune.Utf16SequenceLength;
            var replacement = map(rune);
            if (replacement is null) b.AppendFrom(this, i, i + n);
            else
            {
                changed = true;
                b.Append(replacement, OriginalRange(i, i + n));
            }
            i += n;
        }
        return changed ? b.Build() : this;
    }

    /// <summary>Applies a Unicode normalization form, one cluster (a starter and the marks attached to it) at a
    /// time so each output unit stays aligned: an unchanged or same-length cluster keeps per-unit spans, a cluster
    /// that grows or shrinks (decomposition, composition) maps all its output to the cluster's original span.</summary>
    public TokenizerJsonNormalizedText UnicodeNormalize(NormalizationForm form)
    {
        if (TokenizerJsonUnicodeNormalization.Normalize(Text, form) == Text) return this;
        var b = new Builder();
        for (int start = 0; start < Text.Length;)
        {
            int end = start + Rune.GetRuneAt(Text, start).Utf16SequenceLength;
            while (end < Text.Length && TokenizerJsonUnicodeNormalization.AttachesToPrevious(Rune.GetRuneAt(Text, end).Value))
                end += Rune.GetRuneAt(Text, end).Utf16SequenceLength;
            var cluster = Text[start..end];
            var normalized = TokenizerJsonUnicodeNormalization.Normalize(cluster, form);
            if (normalized.Length == cluster.Length)
                for (int i = 0; i < normalized.Length; i++) b.Append(normalized[i].ToString(), _alignment[start + i]);
            else b.Append(normalized, OriginalRange(start, end));
            start = end;
        }
        return b.Build();
    }

    /// <summary>Removes leading and/or trailing white space.</summary>
    public TokenizerJsonNormalizedText Strip(bool left, bool right)
    {
        int start = 0, end = Text.Length;
        if (left) while (start < end && char.IsWhiteSpace(Text[start])) start++;
        if (right) while (end > start && char.IsWhiteSpace(Text[end - 1])) end--;
        return start == 0 && end == Text.Length ? this : Slice(start, end);
    }

    /// <summary>Replaces each match of <paramref name="pattern"/> by <paramref name="content"/>; the replacement
    /// takes the original span of the matched text.</summary>
    public TokenizerJsonNormalizedText Replace(Regex pattern, string content)
    {
        var b = new Builder();
        int last = 0;
        bool changed = false;
        foreach (Match m in pattern.Matches(Text))
        {
            if (m.Length == 0) continue;
            b.AppendFrom(this, last, m.Index);
            b.Append(content, OriginalRange(m.Index, m.Index + m.Length));
            last = m.Index + m.Length;
            changed = true;
        }
        if (!changed) return this;
        b.AppendFrom(this, last, Text.Length);
        return b.Build();
    }

    /// <summary>Puts <paramref name="prefix"/> in front of non-empty text; the new units share the first unit's span.</summary>
    public TokenizerJsonNormalizedText Prepend(string prefix)
    {
        if (Text.Length == 0) return this;
        var b = new Builder();
        b.Append(prefix, _alignment[0]);
        b.AppendFrom(this, 0, Text.Length);
        return b.Build();
    }
}
