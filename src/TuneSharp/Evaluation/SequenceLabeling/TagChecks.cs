namespace TuneSharp.Evaluation.SequenceLabeling;

/// <summary>Checks on tag sequences shared by the extraction and metric entry points, so each fails with the same wording.</summary>
internal static class TagChecks
{
    /// <summary>Every tag is a non-empty string (seqeval reads its first character).</summary>
    /// <param name="tags">One sentence's tags.</param>
    /// <param name="where">Names the sequence in messages, e.g. "labels, sentence 3" or "tags".</param>
    public static void RequireTags(IReadOnlyList<string> tags, string where)
    {
        for (int i = 0; i < tags.Count; i++)
            if (string.IsNullOrEmpty(tags[i]))
                throw new TuneSharpException(
                    $"{where}, token {i}: the tag is {(tags[i] is null ? "null" : "empty")}; expected \"O\" or a prefixed tag such as \"B-PER\".");
    }

    /// <summary>Every tag's prefix is one <paramref name="scheme"/> allows; seqeval raises on any other in strict mode.</summary>
    public static void RequirePrefixes(IReadOnlyList<string> tags, TagScheme scheme, SchemeRules rules, string where)
    {
        for (int i = 0; i < tags.Count; i++)
            if (!rules.AllowedPrefixes.Contains(tags[i][0]))
                throw new TuneSharpException(
                    $"{where}, token {i}: tag \"{tags[i]}\" has prefix '{tags[i][0]}', which the {SchemeName(scheme)} scheme does not allow " +
                    $"(allowed: {string.Join(", ", rules.AllowedPrefixes.ToCharArray())}); strict mode needs the scheme the tags are written in.");
    }

    /// <summary>The scheme as seqeval spells it (IOB2, IOBES, ...).</summary>
    public static string SchemeName(TagScheme scheme) => scheme.ToString().ToUpperInvariant();
}
