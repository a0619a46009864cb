namespace TuneSharp;

/// <summary>Levenshtein distance, for "did you mean ...?" suggestions of option and key names.</summary>
public static class EditDistance
{
    /// <summary>The fewest single-character insertions, deletions and substitutions that turn <paramref name="a"/> into <paramref name="b"/>.</summary>
    public static int Between(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>The candidate closest to <paramref name="typed"/>, when it is close enough to be a likely typo; else null.</summary>
    public static string? Suggest(string typed, IEnumerable<string> candidates)
    {
        var best = candidates.OrderBy(c => Between(c, typed)).ThenBy(c => c, StringComparer.Ordinal).FirstOrDefault();
        return best is not null && Between(best, typed) <= Math.Max(2, typed.Length / 3) ? best : null;
    }
}
