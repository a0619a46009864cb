using System.Text;

namespace TuneSharp.Tokenization.ChatTemplates.Jinja;

/// <summary>
/// The Python methods templates call on values: <c>str.strip()</c>, <c>.split()</c>, <c>.startswith()</c>, ...,
/// <c>dict.get()</c>, <c>.items()</c>, <c>.keys()</c>, <c>.values()</c>. Methods that change a list or dict are refused,
/// as transformers' ImmutableSandboxedEnvironment refuses them.
/// </summary>
internal static class JinjaMethods
{
    private static readonly HashSet<string> MutatingMethods =
        ["append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update", "setdefault", "popitem"];

    private static readonly HashSet<string> OtherStringMethods =
        ["format", "format_map", "center", "ljust", "rjust", "zfill", "partition", "rpartition", "rsplit", "splitlines",
         "casefold", "swapcase", "expandtabs", "encode", "translate", "maketrans", "index", "rindex", "rfind",
         "isalpha", "isalnum", "isdigit", "isnumeric", "isdecimal", "isspace", "islower", "isupper", "istitle",
         "removeprefix", "removesuffix"];

    /// <summary>The bound method <paramref name="name"/> of <paramref name="target"/>, or null when it has none.</summary>
    public static JinjaCallable? TryBind(object? target, string name, int line)
    {
        Func<JinjaCall, object?>? method = target switch
        {
            string s => StringMethod(s, name, line),
            JinjaDict d => DictMethod(d, name),
            List<object?> or object?[] when name == "count" => call => (long)JinjaPython.Iterate(target).Count(x => JinjaPython.AreEqual(x, call.Arg(0, "value"))),
            _ => null,
        };
        if (method is null && target is List<object?> or JinjaDict && MutatingMethods.Contains(name))
            throw new JinjaRuntimeException($"access to attribute '{name}' of '{JinjaPython.TypeName(target)}' object is unsafe.");
        return method is null ? null : new JinjaCallable($"{JinjaPython.TypeName(target)}.{name}", method);
    }

    private static Func<JinjaCall, object?>? StringMethod(string s, string name, int line) => name switch
    {
        "strip" => call => Strip(s, call.Arg(0, "chars"), true, true),
        "lstrip" => call => Strip(s, call.Arg(0, "chars"), true, false),
        "rstrip" => call => Strip(s, call.Arg(0, "chars"), false, true),
        "upper" => _ => s.ToUpperInvariant(),
        "lower" => _ => s.ToLowerInvariant(),
        "title" => _ => Title(s),
        "capitalize" => _ => Capitalize(s),
        "startswith" => call => Affixes(call.Arg(0, "prefix")).Any(p => s.StartsWith(p, StringComparison.Ordinal)),
        "endswith" => call => Affixes(call.Arg(0, "suffix")).Any(p => s.EndsWith(p, StringComparison.Ordinal)),
        "split" => call => Split(s, call.Arg(0, "sep"), call.Arg(1, "maxsplit", -1L)),
        "replace" => call => Replace(s, Text(call.Arg(0, "old")), Text(call.Arg(1, "new")), call.Arg(2, "count", -1L)),
        "find" => call => (long)s.IndexOf(Text(call.Arg(0, "sub")), StringComparison.Ordinal),
        "count" => call => (long)CountOccurrences(s, Text(call.Arg(0, "sub"))),
        "join" => call => string.Join(s, JinjaPython.Iterate(call.Arg(0, "iterable")).Select(x =>
            x as string ?? throw new JinjaRuntimeException($"sequence item: expected str instance, {JinjaPython.TypeName(x)} found"))),
        _ when OtherStringMethods.Contains(name) => throw new JinjaUnsupportedException(line, $"the string method '{name}'"),
        _ => null,
    };

    private static Func<JinjaCall, object?>? DictMethod(JinjaDict d, string name) => name switch
    {
        "get" => call => d.TryGet(call.Arg(0, "key"), out var v) ? v : call.Arg(1, "default"),
        "items" => _ => d.Entries.Select(e => (object?)new[] { e.Key, e.Value }).ToList(),
        "keys" => _ => d.Keys.ToList(),
        "values" => _ => d.Values.ToList(),
        _ => null,
    };

    private static string Text(object? value) =>
        value as string ?? throw new JinjaRuntimeException($"expected a str argument, got '{JinjaPython.TypeName(value)}'");

    private static IEnumerable<string> Affixes(object? value) => value switch
    {
        string s => [s],
        object?[] tuple => tuple.Select(Text),
        _ => throw new JinjaRuntimeException($"startswith/endswith first arg must be str or a tuple of str, not {JinjaPython.TypeName(value)}"),
    };

    /// <summary>Python's strip family: whitespace by default, else any of the given characters.</summary>
    public static string Strip(string s, object? chars, bool left, bool right)
    {
        Func<char, bool> strip = chars switch
        {
            null or JinjaUndefined => JinjaPython.IsSpace,
            string set => set.Contains,
            _ => throw new JinjaRuntimeException("strip arg must be None or str"),
        };
        int start = 0, end = s.Length;
        if (left) while (start < end && strip(s[start])) start++;
        if (right) while (end > start && strip(s[end - 1])) end--;
        return s[start..end];
    }

    /// <summary>Python's <c>str.title()</c>: a letter after a non-letter is upper-cased, other letters lower-cased.</summary>
    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        var previousCased = false;
        foreach (var c in s)
        {
            sb.Append(previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousCased = char.IsLetter(c);
        }
        return sb.ToString();
    }

    /// <summary>Python's <c>str.capitalize()</c>: the first character upper-cased, the rest lower-cased.</summary>
    public static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    private static List<object?> Split(string s, object? separator, object? maxSplit)
    {
        var limit = maxSplit is long l ? l : -1;
        var parts = new List<object?>();
        if (separator is null)
        {
            // No separator: runs of whitespace split, and leading/trailing whitespace gives no empty parts.
            var i = 0;
            while (i < s.Length)
            {
                while (i < s.Length && JinjaPython.IsSpace(s[i])) i++;
                if (i >= s.Length) break;
                if (limit >= 0 && parts.Count == limit) { parts.Add(Strip(s[i..], null, false, true)); break; }
                var start = i;
                while (i < s.Length && !JinjaPython.IsSpace(s[i])) i++;
                parts.Add(s[start..i]);
            }
            return parts;
        }
        var sep = Text(separator);
        if (sep.Length == 0) throw new JinjaRuntimeException("empty separator");
        var from = 0;
        while (true)
        {
            var at = limit >= 0 && parts.Count == limit ? -1 : s.IndexOf(sep, from, StringComparison.Ordinal);
            if (at < 0) { parts.Add(s[from..]); return parts; }
            parts.Add(s[from..at]);
            from = at + sep.Length;
        }
    }

    public static string Replace(string s, string old, string replacement, object? count)
    {
        var limit = count is long l ? l : -1;
        if (limit < 0) return old.Length == 0 ? InsertEverywhere(s, replacement) : s.Replace(old, replacement, StringComparison.Ordinal);
        var sb = new StringBuilder();
        var from = 0;
        for (long done = 0; done < limit; done++)
        {
            var at = old.Length == 0 ? (from <= s.Length ? from : -1) : s.IndexOf(old, from, StringComparison.Ordinal);
            if (at < 0) break;
            sb.Append(s, from, at - from).Append(replacement);
            if (old.Length == 0) { if (at < s.Length) sb.Append(s[at]); from = at + 1; }
            else from = at + old.Length;
        }
        if (from < s.Length) sb.Append(s, from, s.Length - from);
        return sb.ToString();
    }

    private static string InsertEverywhere(string s, string insert)
    {
        var sb = new StringBuilder(insert);
        foreach (var c in s) sb.Append(c).Append(insert);
        return sb.ToString();
    }

    private static int CountOccurrences(string s, string sub)
    {
        if (sub.Length == 0) return s.Length + 1;
        var n = 0;
        for (var at = s.IndexOf(sub, StringComparison.Ordinal); at >= 0; at = s.IndexOf(sub, at + sub.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
