using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace TuneSharp.Tokenization;

/// <summary>One piece of input between pre-tokenization steps: text still to split, or an added token already found.</summary>
internal readonly record struct TokenizerJsonPiece(TokenizerJsonNormalizedText? Text, Token? AddedToken);

/// <summary>How a split pattern's matches are treated (Hugging Face's SplitDelimiterBehavior).</summary>
internal enum TokenizerJsonSplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous }

/// <summary>A tokenizer.json "pre_tokenizer": cuts normalised text into words the model tokenizes separately.</summary>
internal abstract class TokenizerJsonPreTokenizer
{
    /// <summary>Splits every text piece; added tokens pass through but still count in the piece index
    /// (Metaspace's prepend_scheme "first" relies on that, as in Hugging Face).</summary>
    public virtual List<TokenizerJsonPiece> PreTokenize(List<TokenizerJsonPiece> pieces)
    {
        var result = new List<TokenizerJsonPiece>(pieces.Count);
        for (int i = 0; i < pieces.Count; i++)
        {
            if (pieces[i].Text is not { } text) { result.Add(pieces[i]); continue; }
            foreach (var part in Split(i, text))
                if (part.Length > 0) result.Add(new TokenizerJsonPiece(part, null));
        }
        return result;
    }

    protected abstract IEnumerable<TokenizerJsonNormalizedText> Split(int pieceIndex, TokenizerJsonNormalizedText text);

    /// <summary>This pre-tokenizer as it runs on the words of a pre-split input (transformers' is_split_into_words):
    /// the same, except that ByteLevel adds the leading space whatever its add_prefix_space says.</summary>
    public virtual TokenizerJsonPreTokenizer ForPreSplitWords() => this;

    /// <summary>Cuts <paramref name="text"/> at the given non-overlapping, ordered matches according to <paramref name="behavior"/>.</summary>
    internal static List<TokenizerJsonNormalizedText> SplitAt(TokenizerJsonNormalizedText text, IEnumerable<(int Start, int End)> matches,
                                                              TokenizerJsonSplitBehavior behavior, bool invert = false)
    {
        // Segments covering the whole text, each flagged as delimiter (a match) or not.
        var segments = new List<(int Start, int End, bool IsMatch)>();
        int last = 0;
        foreach (var (s, e) in matches)
        {
            if (e <= s) continue;
            if (s > last) segments.Add((last, s, invert));
            segments.Add((s, e, !invert));
            last = e;
        }
        if (last < text.Length) segments.Add((last, text.Length, invert));

        var spans = new List<(int Start, int End)>();
        bool previousMatch = false;
        switch (behavior)
        {
            case TokenizerJsonSplitBehavior.Removed:
                spans.AddRange(segments.Where(s => !s.IsMatch).Select(s => (s.Start, s.End)));
                break;
            case TokenizerJsonSplitBehavior.Isolated:
                spans.AddRange(segments.Select(s => (s.Start, s.End)));
                break;
            case TokenizerJsonSplitBehavior.Contiguous:
                foreach (var seg in segments)
                {
                    if (seg.IsMatch && previousMatch) spans[^1] = (spans[^1].Start, seg.End);
                    else spans.Add((seg.Start, seg.End));
                    previousMatch = seg.IsMatch;
                }
                break;
            case TokenizerJsonSplitBehavior.MergedWithPrevious:
                foreach (var seg in segments)
                {
                    if (seg.IsMatch && !previousMatch && spans.Count > 0) spans[^1] = (spans[^1].Start, seg.End);
                    else spans.Add((seg.Start, seg.End));
                    previousMatch = seg.IsMatch;
                }
                break;
            case TokenizerJsonSplitBehavior.MergedWithNext:
                for (int i = segments.Count - 1; i >= 0; i--)
                {
                    var seg = segments[i];
                    if (seg.IsMatch && !previousMatch && spans.Count > 0) spans[^1] = (seg.Start, spans[^1].End);
                    else spans.Add((seg.Start, seg.End));
                    previousMatch = seg.IsMatch;
                }
                spans.Reverse();
                break;
        }
        return spans.Where(s => s.End > s.Start).Select(s => text.Slice(s.Start, s.End)).ToList();
    }

    /// <summary>Each code point satisfying <paramref name="predicate"/>, as a match span.</summary>
    internal static IEnumerable<(int, int)> CodePointMatches(string text, Func<Rune, bool> predicate)
    {
        for (int i = 0; i < text.Length;)
        {
            var r = Rune.GetRuneAt(text, i);
            if (predicate(r)) yield return (i, i + r.Utf16SequenceLength);
            i += r.Utf16SequenceLength;
        }
    }

    internal static IEnumerable<(int, int)> RegexMatches(Regex regex, string text)
        => regex.Matches(text).Where(m => m.Length > 0).Select(m => (m.Index, m.Index + m.Length));

    /// <summary>BERT's punctuation: all ASCII non-alphanumeric printable characters plus Unicode P* categories.</summary>
    internal static bool IsPunctuation(Rune r)
        => r.Value is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126
           || Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
               or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
               or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
}

/// <summary>Applies several pre-tokenizers in order, each to the pieces of the previous one.</summary>
internal sealed class JsonSequencePreTokenizer(IReadOnlyList<TokenizerJsonPreTokenizer> steps) : TokenizerJsonPreTokenizer
{
    public override List<TokenizerJsonPiece> PreTokenize(List<TokenizerJsonPiece> pieces)
    {
        foreach (var step in steps) pieces = step.PreTokenize(pieces);
        return pieces;
    }

    protected override IEnumerable<TokenizerJsonNormalizedText> Split(int pieceIndex, TokenizerJsonNormalizedText text)
        => throw new InvalidOperationException("Sequence splits through PreTokenize.");

    public override TokenizerJsonPreTokenizer ForPreSplitWords()
        => steps.All(s => s.ForPreSplitWords() == s) ? this : new JsonSequencePreTokenizer(steps.Select(s => s.ForPreSplitWords()).ToArray());
}

/// <summary>Splits on white space (dropped) and isolates each punctuation character.</summary>
internal sealed class JsonBertPreTokenizer : TokenizerJsonPreTokenizer
{
    protected override IEnumerable<TokenizerJsonNormalizedText> Split(int pieceIndex, TokenizerJsonNormalizedText text)
        => SplitAt(text, CodePointMatches(text.Text, r => Rune.IsWhiteSpace(r)), TokenizerJsonSplitBehavior.Removed)
            .SelectMany(w => SplitAt(w, CodePointMatches(w.Text, IsPunctuation), TokenizerJsonSplitBehavior.Isolated));
}

/// <summary>"Whitespace": keeps runs of word characters and runs of other non-space characters.</summary>
internal sealed class JsonWhitespacePreTokenizer : TokenizerJsonPreTokenizer
{
    private static readonly Regex Words = new(@"\w+|[^\w\s]+", RegexOptions.Compiled);

    protected override IEnumerable<TokenizerJsonNormalizedText> Split(int pieceIndex, TokenizerJsonNormalizedText text)
        => SplitAt(text, RegexMatches(Words, text.Text), TokenizerJsonSplitBehavior.Removed, invert: true);
}

/// <summary>"WhitespaceSplit": splits on white space only.</summary>
internal sealed class JsonWhitespaceSplitPreTokenizer : TokenizerJsonPreTokenizer
{
    protected override IEnumerable<TokenizerJsonNormalizedText> Split(int pieceIndex, TokenizerJsonNormalizedText text)
        => SplitAt(text, CodePointMatches(text.Text, r => Rune.IsWhiteSpace(r)), TokenizerJsonSplitBehavior.Removed);
}

/// <summary>"Punctuation": splits around punctuation characters.</summary>
internal sealed class JsonPunctuationPreTokenizer(TokenizerJsonSplitBehavior behavior) : TokenizerJsonPreTokenizer
{
    protected override IEnumerable<TokenizerJsonNormalizedText> Split(int pieceIndex, TokenizerJsonNormalizedText text)
        => SplitAt(text, CodePointMatches(text.Text, IsPunctuation), behavior);
}

/// <summary>"Digits": isolates runs of digits, or every digit when <c>individual_digits</c> is set.</summary>
internal sealed class JsonDigitsPreTokenizer(bool individualDigits) : TokenizerJsonPreTokenizer
{
    protected override IEnumerable<TokenizerJsonNormalizedText> Split(int pieceIndex, TokenizerJsonNormalizedText text)
        => SplitAt(text, CodePointMatches(text.Text, r => Rune.GetUnicodeCategory(r) is UnicodeCategory.DecimalDigitNumber
                                                      or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber),
                   individualDigits ? TokenizerJsonSplitBehavior.Isolated : TokenizerJsonSplitBehavior.Contiguous);
}

/// <summary>"Split": cuts at a literal string or regex with a chosen delimiter behaviour.</summary>
internal sealed class JsonSplitPreTokenizer(Regex pattern, TokenizerJsonSplitBehavior behavior, bool invert) : TokenizerJsonPreTokenizer
{
    protected override IEnumerable<TokenizerJsonNormalizedText> Split(int pieceIndex, TokenizerJsonNormalizedText text)
        => SplitAt(text, RegexMatches(pattern, text.Text), behavior, invert);
}

/// <summary>How Metaspace adds the replacement character in front of text.</summary>
internal enum TokenizerJsonPrependScheme { Always, First, Never }

/// <summary>"Metaspace" (SentencePiece style): spaces become '▁', a '▁' is put in front (always, only for the first
/// piece of the input, or never), and optionally the text is split before each '▁'.</summary>
internal sealed class JsonMetaspacePreTokenizer(char replacement, TokenizerJsonPrependScheme scheme, bool split) : TokenizerJsonPreTokenizer
{
    private readonly Regex _space = new(" ");
    private readonly string _replacement = replacement.ToString();

    protected override IEnumerable<TokenizerJsonNormalizedText> Split(int pieceIndex, TokenizerJsonNormalizedText text)
    {
        text = text.Replace(_space, _replacement);
        bool prepend = scheme == TokenizerJsonPrependScheme.Always || (scheme == TokenizerJsonPrependScheme.First && pieceIndex == 0);
        if (prepend && !text.Text.StartsWith(replacement)) text = text.Prepend(_replacement);
        if (!split) return [text];
        var matches = new List<(int, int)>();
        for (int i = 0; i < text.Length; i++) if (text.Text[i] == replacement) matches.Add((i, i + 1));
        return SplitAt(text, matches, TokenizerJsonSplitBehavior.MergedWithNext);
    }
}

/// <summary>"ByteLevel" (GPT-2): optional leading space, the GPT-2 regex split, then every UTF-8 byte written as
/// one character of <see cref="ByteLevelBpeAlphabet"/> (each aligned to the original character it came from).</summary>
internal sealed class JsonByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : TokenizerJsonPreTokenizer
{
    private static readonly Regex Gpt2 = new(ByteLevelBpeAlphabet.Gpt2Pattern, RegexOptions.Compiled);

    protected override IEnumerable<TokenizerJsonNormalizedText> Split(int pieceIndex, TokenizerJsonNormalizedText text)
    {
        if (addPrefixSpace && !text.Text.StartsWith(' ')) text = text.Prepend(" ");
        var parts = useRegex ? SplitAt(text, RegexMatches(Gpt2, text.Text), TokenizerJsonSplitBehavior.Isolated) : [text];
        return parts.Select(p => p.MapCodePoints(ByteLevelBpeAlphabet.EncodeRune));
    }

    /// <summary>Pre-split words each get the leading space (transformers' fast GPT-2/RoBERTa tokenizers refuse pre-split
    /// input without add_prefix_space=True; the slow ones add the space themselves).</summary>
    public override TokenizerJsonPreTokenizer ForPreSplitWords() => addPrefixSpace ? this : new JsonByteLevelPreTokenizer(true, useRegex);
}
