using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace TuneSharp.Tokenization.ChatTemplates.Jinja;

/// <summary>
/// jinja2 3.1's built-in filters that chat templates use (<c>value | name(args)</c>). transformers 4.40 registers no
/// filters of its own, so <c>tojson</c> is jinja's: sorted keys, ASCII-only output, and <c>&lt; &gt; &amp; '</c>
/// written as <c>\u003c</c>-style escapes.
/// </summary>
internal static partial class JinjaFilters
{
    private static readonly HashSet<string> KnownUnsupported =
        ["batch", "center", "dictsort", "escape", "e", "filesizeformat", "forceescape", "format", "groupby", "pprint",
         "random", "slice", "striptags", "truncate", "urlencode", "urlize", "wordcount", "wordwrap", "xmlattr", "attr"];

    /// <summary>The filters <see cref="Apply"/> implements; the parser refuses others when it meets them, so a template
    /// using one fails as it loads (jinja2 too rejects unknown filters at compile time).</summary>
    public static readonly IReadOnlySet<string> Supported = new HashSet<string>(StringComparer.Ordinal)
    {
        "trim", "tojson", "length", "count", "lower", "upper", "capitalize", "title", "replace", "join", "first", "last",
        "default", "d", "string", "int", "float", "list", "reverse", "abs", "sum", "unique", "selectattr", "rejectattr",
        "select", "reject", "map", "items", "indent", "safe",
    };

    public static object? Apply(string name, object? value, JinjaCall call) => name switch
    {
        "trim" => JinjaMethods.Strip(Text(value), call.Arg(0, "chars"), true, true),
        "tojson" => JinjaJson.HtmlSafeDumps(value, call.Arg(0, "indent")),
        "length" or "count" => JinjaPython.Length(value),
        "lower" => Text(value).ToLowerInvariant(),
        "upper" => Text(value).ToUpperInvariant(),
        "capitalize" => JinjaMethods.Capitalize(Text(value)),
        "title" => Title(Text(value)),
        "replace" => JinjaMethods.Replace(Text(value), JinjaPython.Str(call.Arg(0, "old")), JinjaPython.Str(call.Arg(1, "new")),
                                          call.Arg(2, "count")),
        "join" => Join(value, call),
        "first" => JinjaPython.Iterate(value) is { Count: > 0 } items ? items[0] : new JinjaUndefined("No first item, sequence was empty."),
        "last" => JinjaPython.Iterate(value) is { Count: > 0 } items ? items[^1] : new JinjaUndefined("No last item, sequence was empty."),
        "default" or "d" => value is JinjaUndefined || (JinjaPython.IsTrue(call.Arg(1, "boolean", false)) && !JinjaPython.IsTrue(value))
            ? call.Arg(0, "default_value", "") : value,
        "string" => JinjaPython.Str(value),
        "int" => value is JinjaUndefined u ? throw u.Fail() : ToInt(value, call),
        "float" => value is JinjaUndefined u ? throw u.Fail() : ToFloat(value, call),
        "list" => JinjaPython.Iterate(value).ToList(),
        "reverse" => value is string s ? string.Concat(JinjaPython.TextElements(s).Cast<string>().Reverse())
                                       : JinjaPython.Iterate(value).Reverse().ToList(),
        "abs" => value switch { double d => (object)Math.Abs(d), long or bool => Math.Abs(JinjaPython.ToLong(value)),
                                _ => throw new JinjaRuntimeException($"bad operand type for abs(): '{JinjaPython.TypeName(value)}'") },
        "sum" => JinjaPython.Iterate(value).Aggregate(call.Arg(1, "start", 0L), (total, x) => JinjaOperators.Binary("+", total, x)),
        "unique" => Unique(value),
        "selectattr" => Select(value, call, byAttribute: true, keep: true),
        "rejectattr" => Select(value, call, byAttribute: true, keep: false),
        "select" => Select(value, call, byAttribute: false, keep: true),
        "reject" => Select(value, call, byAttribute: false, keep: false),
        "map" => Map(value, call),
        "items" => value switch
        {
            JinjaUndefined => new List<object?>(),
            JinjaDict dict => dict.Entries.Select(e => (object?)new[] { e.Key, e.Value }).ToList(),
            _ => throw new JinjaRuntimeException($"can only get item pairs from a mapping, not '{JinjaPython.TypeName(value)}'"),
        },
        "indent" => Indent(value as string ?? throw new JinjaRuntimeException($"indent needs a string, not '{JinjaPython.TypeName(value)}'"), call),
        "safe" => value,
        _ => throw Unsupported(name, call.Line),
    };

    public static JinjaUnsupportedException Unsupported(string name, int line) => KnownUnsupported.Contains(name)
        ? new(line, $"the filter '{name}'")
        : new(line, $"the filter '{name}' (jinja2 has no such built-in filter either)");

    /// <summary>What a filter taking a string gets: <c>str(value)</c>, undefined as "" (jinja's soft_str).</summary>
    private static string Text(object? value) => JinjaPython.Str(value);

    [GeneratedRegex(@"([-\s({\[<]+)")]
    private static partial Regex WordBeginning();

    /// <summary>jinja's <c>title</c> (not Python's <c>str.title</c>): words start after whitespace, <c>-</c> or an opening bracket.</summary>
    private static string Title(string s) =>
        string.Concat(WordBeginning().Split(s).Where(p => p.Length > 0)
                                     .Select(p => char.ToUpperInvariant(p[0]) + p[1..].ToLowerInvariant()));

    private static string Join(object? value, JinjaCall call)
    {
        var separator = JinjaPython.Str(call.Arg(0, "d", ""));
        var items = JinjaPython.Iterate(value);
        if (call.Arg(1, "attribute") is { } attribute) items = items.Select(i => Attribute(i, attribute, call.Line)).ToList();
        return string.Join(separator, items.Select(JinjaPython.Str));
    }

    private static object? Attribute(object? item, object? attribute, int line) => attribute switch
    {
        string path => path.Split('.').Aggregate(item, (target, part) =>
            long.TryParse(part, out var index) ? JinjaAccess.Item(target, index, line) : JinjaAccess.Item(target, part, line)),
        long index => JinjaAccess.Item(item, index, line),
        _ => throw new JinjaRuntimeException("an attribute name must be a string or an integer"),
    };

    private static object ToInt(object? value, JinjaCall call)
    {
        var fallback = call.Arg(0, "default", 0L);
        var numberBase = call.Arg(1, "base", 10L) is long b ? (int)b : 10;
        switch (value)
        {
            case long or bool: return JinjaPython.ToLong(value);
            case double d: return double.IsFinite(d) ? (long)Math.Truncate(d) : fallback!;
            case string s:
                var text = s.Trim().Replace("_", "");
                try { return Convert.ToInt64(text, numberBase); }
                catch (Exception e) when (e is FormatException or ArgumentException or OverflowException) { }
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && double.IsFinite(f)
                    ? (long)Math.Truncate(f) : fallback!;
            default: return fallback!;
        }
    }

    private static object ToFloat(object? value, JinjaCall call)
    {
        var fallback = call.Arg(0, "default", 0.0);
        return value switch
        {
            long or bool or double => JinjaPython.ToDouble(value),
            string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => fallback!,
        };
    }

    private static List<object?> Unique(object? value)
    {
        var kept = new List<object?>();
        foreach (var item in JinjaPython.Iterate(value))
        {
            var key = item is string s ? s.ToLowerInvariant() : item; // case_sensitive=False by default
            if (!kept.Any(k => JinjaPython.AreEqual(k is string ks ? ks.ToLowerInvariant() : k, key))) kept.Add(item);
        }
        return kept;
    }

    /// <summary>select/reject and selectattr/rejectattr: keep the items whose value (or attribute) passes a test
    /// (truthiness when no test is named).</summary>
    private static List<object?> Select(object? value, JinjaCall call, bool byAttribute, bool keep)
    {
        var at = byAttribute ? 1 : 0;
        var attribute = byAttribute ? call.Arg(0, "attribute") : null;
        var test = call.Args.Count > at ? call.Args[at] as string : null;
        var testArgs = call.Args.Skip(at + 1).ToList();
        if (!JinjaPython.IsTrue(value)) return []; // jinja walks only a truthy value: none | select is empty
        return JinjaPython.Iterate(value).Where(item =>
        {
            var probed = byAttribute ? Attribute(item, attribute, call.Line) : item;
            var passed = test is null ? JinjaPython.IsTrue(probed) : JinjaIsTests.Apply(test, probed, testArgs, call.Line);
            return passed == keep;
        }).ToList();
    }

    private static List<object?> Map(object? value, JinjaCall call)
    {
        var items = JinjaPython.IsTrue(value) ? JinjaPython.Iterate(value) : [];
        if (call.Kwargs.TryGetValue("attribute", out var attribute))
        {
            var hasDefault = call.Kwargs.TryGetValue("default", out var fallback);
            return items.Select(i => Attribute(i, attribute, call.Line))
                        .Select(v => hasDefault && v is JinjaUndefined ? fallback : v).ToList();
        }
        if (call.Args.Count == 0 || call.Args[0] is not string filter)
            throw new JinjaRuntimeException("map requires a filter name or attribute=");
        var rest = new JinjaCall(call.Args.Skip(1).ToList(), call.Kwargs, call.Line);
        return items.Select(i => Apply(filter, i, rest)).ToList();
    }

    /// <summary>jinja 3.1's indent: every line after the first (and the first too with <c>first</c>), blank lines only
    /// with <c>blank</c>.</summary>
    private static string Indent(string s, JinjaCall call)
    {
        var width = call.Arg(0, "width", 4L);
        var indentation = width is string w ? w : new string(' ', (int)Math.Clamp(JinjaPython.ToLong(width), 0, 10_000));
        var first = JinjaPython.IsTrue(call.Arg(1, "first", false));
        var blank = JinjaPython.IsTrue(call.Arg(2, "blank", false));
        var lines = SplitLines(s + "\n");
        string result;
        if (blank) result = string.Join("\n" + indentation, lines);
        else
        {
            var sb = new StringBuilder(lines[0]);
            if (lines.Count > 1)
                sb.Append('\n').Append(string.Join("\n", lines.Skip(1).Select(l => l.Length > 0 ? indentation + l : l)));
            result = sb.ToString();
        }
        return first ? indentation + result : result;
    }

    /// <summary>Python's <c>str.splitlines()</c> (no trailing empty part for a final line break).</summary>
    private static List<string> SplitLines(string s)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c is not ('\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')) continue;
            lines.Add(s[start..i]);
            if (c == '\r' && i + 1 < s.Length && s[i + 1] == '\n') i++;
            start = i + 1;
        }
        if (start < s.Length) lines.Add(s[start..]);
        return lines;
    }
}
