using System.Text;
using System.Text.RegularExpressions;

namespace TuneSharp.Evaluation.QuestionAnswering;

/// <summary>
/// The answer normalisation of the official SQuAD evaluation scripts (v1.1 and v2.0 define it identically): lower case,
/// ASCII punctuation removed, the articles "a", "an", "the" removed as whole words, white space collapsed to single
/// spaces. Exact match and F1 compare normalised strings and their space-separated tokens.
/// </summary>
public static class SquadNormalization
{
    // Python's string.punctuation: the 32 ASCII punctuation characters, and only those.
    private const string Punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    // \b(a|an|the)\b as Python 3's re reads it on str patterns: word characters are Unicode letters, digits and "_".
    private static readonly Regex Articles = new(@"(?<![\p{L}\p{Mn}\p{Nd}\p{Pc}])(a|an|the)(?![\p{L}\p{Mn}\p{Nd}\p{Pc}])",
        RegexOptions.CultureInvariant);

    /// <summary>The normalised answer: lower-cased, punctuation and articles removed, white space collapsed.</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lower = text.ToLowerInvariant();
        var withoutPunctuation = new StringBuilder(lower.Length);
        foreach (var c in lower)
            if (Punctuation.IndexOf(c) < 0) withoutPunctuation.Append(c);
        var withoutArticles = Articles.Replace(withoutPunctuation.ToString(), " ");
        return string.Join(' ', Tokens(withoutArticles));
    }

    /// <summary>The normalised answer's tokens (split on white space); none for an empty answer.</summary>
    public static string[] NormalizedTokens(string text) => Tokens(Normalize(text));

    // Python's str.split() without arguments: runs of white space separate, none at either end.
    private static string[] Tokens(string text) =>
        text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
