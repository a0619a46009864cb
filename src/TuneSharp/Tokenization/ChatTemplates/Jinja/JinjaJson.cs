using System.Text;

namespace TuneSharp.Tokenization.ChatTemplates.Jinja;

/// <summary>
/// jinja2's <c>tojson</c> filter: Python's <c>json.dumps(value, sort_keys=True)</c> (ASCII-only, <c>", "</c> and
/// <c>": "</c> separators, or newlines and <c>","</c> with an indent), after which <c>&lt; &gt; &amp; '</c> are written
/// as <c>\u003c \u003e \u0026 \u0027</c> so the text is safe inside HTML.
/// </summary>
internal static class JinjaJson
{
    public static string HtmlSafeDumps(object? value, object? indent)
    {
        var unit = indent switch
        {
            null => null,
            long n => new string(' ', (int)Math.Max(0, n)),
            string s => s,
            _ => throw new JinjaRuntimeException("tojson's indent must be an integer or a string"),
        };
        var sb = new StringBuilder();
        Write(sb, value, unit, 0);
        return sb.Replace("<", "\\u003c").Replace(">", "\\u003e").Replace("&", "\\u0026").Replace("'", "\\u0027").ToString();
    }

    private static void Write(StringBuilder sb, object? value, string? indent, int depth)
    {
        switch (value)
        {
            case null: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case long l: sb.Append(JinjaPython.Repr(l)); break;
            case double d:
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : JinjaPython.FloatRepr(d));
                break;
            case string s: WriteString(sb, s); break;
            case List<object?> or object?[]:
                WriteContainer(sb, '[', ']', JinjaPython.Iterate(value), indent, depth, (item, d) => Write(sb, item, indent, d));
                break;
            case JinjaDict dict:
                var entries = dict.Entries.Select(e => (Key: KeyText(e.Key), e.Value))
                                  .OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
                WriteContainer(sb, '{', '}', entries, indent, depth, (entry, d) =>
                {
                    WriteString(sb, entry.Key);
                    sb.Append(": ");
                    Write(sb, entry.Value, indent, d);
                });
                break;
            default:
                throw new JinjaRuntimeException($"Object of type {JinjaPython.TypeName(value)} is not JSON serializable");
        }
    }

    private static void WriteContainer<T>(StringBuilder sb, char open, char close, IReadOnlyList<T> items, string? indent,
                                          int depth, Action<T, int> writeItem)
    {
        sb.Append(open);
        if (items.Count == 0) { sb.Append(close); return; }
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0) sb.Append(indent is null ? ", " : ",");
            if (indent is not null) sb.Append('\n').Insert(sb.Length, indent, depth + 1);
            writeItem(items[i], depth + 1);
        }
        if (indent is not null) sb.Append('\n').Insert(sb.Length, indent, depth);
        sb.Append(close);
    }

    /// <summary>json.dumps turns int, float, bool and None keys into strings; other keys are an error.</summary>
    private static string KeyText(object? key) => key switch
    {
        string s => s,
        null => "null",
        bool b => b ? "true" : "false",
        long or double => JinjaPython.Repr(key),
        _ => throw new JinjaRuntimeException($"keys must be str, int, float, bool or None, not {JinjaPython.TypeName(key)}"),
    };

    private static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    // ensure_ascii: everything outside ' '..'~' as \uXXXX (UTF-16 units, so emoji become surrogate pairs).
                    if (c < ' ' || c > '~') sb.Append($"\\u{(int)c:x4}");
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
