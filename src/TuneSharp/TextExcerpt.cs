namespace TuneSharp;

/// <summary>
/// The start of a value for an error message: a 5 MB line or cell must not be echoed whole into the terminal, and the
/// first 200 characters are enough to recognise it.
/// </summary>
public static class TextExcerpt
{
    /// <summary>How many characters <see cref="Of"/> keeps by default.</summary>
    public const int DefaultLength = 200;

    /// <summary><paramref name="text"/> itself when short, else its first <paramref name="max"/> characters and how many more there were.</summary>
    public static string Of(string? text, int max = DefaultLength)
    {
        if (text is null) return "";
        if (text.Length <= max) return text;
        var cut = char.IsHighSurrogate(text[max - 1]) ? max - 1 : max; // never split a surrogate pair
        return $"{text[..cut]}… ({text.Length - cut:N0} more characters)";
    }
}
