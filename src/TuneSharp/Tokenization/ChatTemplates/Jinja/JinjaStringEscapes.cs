using System.Globalization;
using System.Text;

namespace TuneSharp.Tokenization.ChatTemplates.Jinja;

/// <summary>
/// Decodes the backslash escapes of a Jinja string literal. jinja2 runs the literal's text through Python's
/// <c>unicode-escape</c> codec, so the escapes are Python's: <c>\n \t \r \\ \' \"</c>, <c>\xNN</c>, <c>\uNNNN</c>,
/// <c>\UNNNNNNNN</c>, octal <c>\NNN</c>, a backslash before a newline joins lines, and an unknown escape keeps its
/// backslash.
/// </summary>
internal static class JinjaStringEscapes
{
    public static string Decode(string text, int line)
    {
        if (!text.Contains('\\')) return text;
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c != '\\' || i + 1 >= text.Length) { sb.Append(c); continue; }
            var e = text[++i];
            switch (e)
            {
                case '\n': break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case 'x': sb.Append(Hex(text, ref i, 2, line)); break;
                case 'u': sb.Append(Hex(text, ref i, 4, line)); break;
                case 'U': sb.Append(Hex(text, ref i, 8, line)); break;
                case >= '0' and <= '7':
                    var value = 0;
                    var digits = 0;
                    for (i--; digits < 3 && i + 1 < text.Length && text[i + 1] is >= '0' and <= '7'; digits++)
                        value = value * 8 + (text[++i] - '0');
                    sb.Append(CodePoint(value, line));
                    break;
                default: sb.Append('\\').Append(e); break;
            }
        }
        return sb.ToString();
    }

    private static string Hex(string text, ref int i, int digits, int line)
    {
        if (i + digits >= text.Length ||
            !int.TryParse(text.AsSpan(i + 1, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
            throw new JinjaSyntaxException(line, $"truncated \\{text[i]} escape in a string literal");
        i += digits;
        return CodePoint(code, line);
    }

    /// <summary>A code point as text; Python allows lone surrogates in strings, so they are kept as one char.</summary>
    private static string CodePoint(int code, int line) => code switch
    {
        <= 0xFFFF => ((char)code).ToString(),
        <= 0x10FFFF => char.ConvertFromUtf32(code),
        _ => throw new JinjaSyntaxException(line, "an escape in a string literal names no Unicode code point"),
    };
}
