using System.Text;
using System.Text.RegularExpressions;

namespace TuneSharp.Hub;

/// <summary>
/// Glob filters for repo file paths with Python fnmatch semantics, as huggingface_hub's allow_patterns:
/// '*' matches any run of characters (including '/'), '?' one character, '[abc]' / '[!abc]' a set;
/// matching is case-sensitive and a pattern ending in '/' matches everything under that folder.
/// </summary>
public static class FilePatterns
{
    /// <summary>True when <paramref name="repoFile"/> matches at least one of <paramref name="patterns"/>.</summary>
    public static bool MatchesAny(string repoFile, IEnumerable<string> patterns) =>
        patterns.Any(pattern => ToRegex(pattern).IsMatch(repoFile));

    /// <summary>The regex equivalent to one glob pattern, anchored at both ends.</summary>
    public static Regex ToRegex(string pattern)
    {
        if (pattern.EndsWith('/')) pattern += "*";
        var regex = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            switch (c)
            {
                case '*': regex.Append(".*"); break;
                case '?': regex.Append('.'); break;
                case '[':
                    int close = pattern.IndexOf(']', i + 2 < pattern.Length ? i + 2 : pattern.Length);
                    if (close < 0) { regex.Append(@"\["); break; }   // unmatched '[' is a literal, as in fnmatch
                    string set = pattern[(i + 1)..close];
                    bool negate = set.StartsWith('!');
                    if (negate) set = set[1..];
                    regex.Append('[').Append(negate ? "^" : "").Append(EscapeSet(set)).Append(']');
                    i = close;
                    break;
                default: regex.Append(Regex.Escape(c.ToString())); break;
            }
        }
        return new Regex(regex.Append('$').ToString(), RegexOptions.Singleline | RegexOptions.CultureInvariant);
    }

    // Inside a set only '-' keeps its meaning (ranges); everything regex-special is taken literally.
    private static string EscapeSet(string set) =>
        set.Replace(@"\", @"\\").Replace("[", @"\[").Replace("]", @"\]").Replace("^", @"\^");
}
