namespace TuneSharp.Tokenization;

/// <summary>A token added on top of the model's vocabulary (tokenizer.json "added_tokens"). Names follow Hugging Face:
/// <c>LStrip</c>/<c>RStrip</c> swallow white space on that side, <c>SingleWord</c> matches only between non-word
/// characters, <c>Normalized</c> matches against normalised rather than raw text.</summary>
internal sealed record TokenizerJsonAddedToken(int Id, string Content, bool Special, bool LStrip = false, bool RStrip = false,
                                               bool Normalized = false, bool SingleWord = false);

/// <summary>
/// Finds added tokens in text so they are never split by the model. At each position the longest token that
/// matches wins (leftmost-longest, as Hugging Face's Aho-Corasick matcher).
/// </summary>
internal sealed class TokenizerJsonAddedTokenMatcher
{
    // Candidates grouped by first character, longest first, so a text position is compared only with tokens that can match.
    private readonly Dictionary<char, (string Pattern, TokenizerJsonAddedToken Token)[]> _byFirstChar;

    /// <param name="tokens">Tokens to look for, with the string to match (their content, normalised if needed).</param>
    public TokenizerJsonAddedTokenMatcher(IEnumerable<(string Pattern, TokenizerJsonAddedToken Token)> tokens)
        => _byFirstChar = tokens.Where(t => t.Pattern.Length > 0)
                                .GroupBy(t => t.Pattern[0])
                                .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Pattern.Length).ToArray());

    public bool IsEmpty => _byFirstChar.Count == 0;

    /// <summary>A match: the token and the span it takes in the searched text (white space swallowed included).</summary>
    public readonly record struct Match(int Start, int End, TokenizerJsonAddedToken Token);

    /// <summary>All matches in <paramref name="text"/>, in order and non-overlapping.</summary>
    public List<Match> FindAll(string text)
    {
        var matches = new List<Match>();
        if (IsEmpty) return matches;
        int floor = 0; // white space already consumed by the previous match cannot be swallowed again
        for (int i = 0; i < text.Length;)
        {
            var hit = Find(text, i);
            if (hit is not { } found) { i++; continue; }
            int start = i, end = i + found.Pattern.Length;
            if (found.Token.LStrip) while (start > floor && char.IsWhiteSpace(text[start - 1])) start--;
            if (found.Token.RStrip) while (end < text.Length && char.IsWhiteSpace(text[end])) end++;
            matches.Add(new Match(start, end, found.Token));
            i = floor = end;
        }
        return matches;
    }

    private (string Pattern, TokenizerJsonAddedToken Token)? Find(string text, int at)
    {
        if (!_byFirstChar.TryGetValue(text[at], out var candidates)) return null;
        foreach (var t in candidates)
        {
            if (at + t.Pattern.Length > text.Length || string.CompareOrdinal(text, at, t.Pattern, 0, t.Pattern.Length) != 0) continue;
            if (t.Token.SingleWord && (IsWordChar(text, at - 1) || IsWordChar(text, at + t.Pattern.Length))) continue;
            return t;
        }
        return null;
    }

    private static bool IsWordChar(string text, int index)
        => index >= 0 && index < text.Length && (char.IsLetterOrDigit(text[index]) || text[index] == '_');
}
