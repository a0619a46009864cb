using System.Globalization;
using System.Text;

namespace TuneSharp.Tokenization.ChatTemplates.Jinja;

// Template values are plain .NET objects standing for Python's: null is None, bool, long (int), double (float),
// string (str), List<object?> (list), object?[] (tuple), JinjaDict (dict), plus the classes below.

/// <summary>
/// jinja2's default <c>Undefined</c>: a missing variable, attribute, key or index. It prints as nothing, is false,
/// iterates as empty and has length 0; reading an attribute of it, or doing arithmetic or ordering with it, fails
/// with <see cref="Message"/> (as jinja's UndefinedError).
/// </summary>
internal sealed class JinjaUndefined(string message)
{
    public string Message { get; } = message;

    public static JinjaUndefined ForName(string name) => new($"'{name}' is undefined");

    // jinja quotes the type in one message and not in the other: 'dict object' has no attribute 'x', list object has no element 0.
    public static JinjaUndefined ForAttribute(object? owner, object? key) => key is string s
        ? new($"'{JinjaPython.TypeDescription(owner)}' has no attribute '{s}'")
        : new($"{JinjaPython.TypeDescription(owner)} has no element {JinjaPython.Repr(key)}");

    public JinjaRuntimeException Fail() => new(Message);
}

/// <summary>A Python dict: insertion-ordered, keys compared with Python equality (1 == 1.0 == True).</summary>
internal sealed class JinjaDict
{
    private readonly List<KeyValuePair<object?, object?>> _entries = [];

    public int Count => _entries.Count;
    public IEnumerable<object?> Keys => _entries.Select(e => e.Key);
    public IEnumerable<object?> Values => _entries.Select(e => e.Value);
    public IReadOnlyList<KeyValuePair<object?, object?>> Entries => _entries;

    public bool TryGet(object? key, out object? value)
    {
        foreach (var entry in _entries)
            if (JinjaPython.AreEqual(entry.Key, key)) { value = entry.Value; return true; }
        value = null;
        return false;
    }

    public void Set(object? key, object? value)
    {
        for (var i = 0; i < _entries.Count; i++)
            if (JinjaPython.AreEqual(_entries[i].Key, key)) { _entries[i] = new(_entries[i].Key, value); return; }
        _entries.Add(new(key, value));
    }
}

/// <summary>The object <c>namespace(...)</c> returns: the one value whose attributes <c>{% set ns.x = ... %}</c> may change,
/// which is how templates carry state out of a loop's scope.</summary>
internal sealed class JinjaNamespace
{
    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);
}

/// <summary>Anything a template can call: globals (<c>raise_exception</c>, <c>namespace</c>, <c>range</c>), macros, bound methods.</summary>
internal sealed class JinjaCallable(string name, Func<JinjaCall, object?> invoke)
{
    public string Name { get; } = name;
    public object? Invoke(JinjaCall call) => invoke(call);
}

/// <summary>The arguments of one call, with the line it is made on (for errors).</summary>
internal sealed record JinjaCall(IReadOnlyList<object?> Args, IReadOnlyDictionary<string, object?> Kwargs, int Line)
{
    /// <summary>Positional argument <paramref name="index"/>, else the keyword <paramref name="name"/>, else <paramref name="fallback"/>.</summary>
    public object? Arg(int index, string name, object? fallback = null) =>
        index < Args.Count ? Args[index] : Kwargs.TryGetValue(name, out var v) ? v : fallback;

    public bool Has(int index, string name) => index < Args.Count || Kwargs.ContainsKey(name);
}

/// <summary>The <c>loop</c> variable of a for loop.</summary>
internal sealed class JinjaLoop(IReadOnlyList<object?> items)
{
    public int Index0 { get; set; }

    public object? Attribute(string name) => name switch
    {
        "index" => (long)Index0 + 1,
        "index0" => (long)Index0,
        "revindex" => (long)(items.Count - Index0),
        "revindex0" => (long)(items.Count - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == items.Count - 1,
        "length" => (long)items.Count,
        "depth" => 1L,
        "depth0" => 0L,
        "previtem" => Index0 > 0 ? items[Index0 - 1] : new JinjaUndefined("there is no previous item"),
        "nextitem" => Index0 + 1 < items.Count ? items[Index0 + 1] : new JinjaUndefined("there is no next item"),
        "cycle" => new JinjaCallable("loop.cycle", call =>
            call.Args.Count == 0 ? throw new JinjaRuntimeException("no items for cycling given") : call.Args[Index0 % call.Args.Count]),
        _ => new JinjaUndefined($"'LoopContext' object has no attribute '{name}'"),
    };
}

/// <summary>Python's view of values: str(), repr(), truthiness, equality, ordering, type names.</summary>
internal static class JinjaPython
{
    /// <summary>What <c>{{ value }}</c> prints: Python's <c>str(value)</c>, and nothing for undefined.</summary>
    public static string Str(object? value) => value switch
    {
        null => "None",
        string s => s,
        JinjaUndefined => "",
        _ => Repr(value),
    };

    public static string Repr(object? value) => value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FloatRepr(d),
        string s => StringRepr(s),
        JinjaUndefined => "",
        List<object?> list => "[" + string.Join(", ", list.Select(Repr)) + "]",
        object?[] tuple => tuple.Length == 1 ? "(" + Repr(tuple[0]) + ",)" : "(" + string.Join(", ", tuple.Select(Repr)) + ")",
        JinjaDict dict => "{" + string.Join(", ", dict.Entries.Select(e => Repr(e.Key) + ": " + Repr(e.Value))) + "}",
        JinjaNamespace ns => "<Namespace " + string.Join(", ", ns.Attributes.Select(a => a.Key + "=" + Repr(a.Value))) + ">",
        JinjaCallable c => $"<function {c.Name}>",
        _ => value.ToString() ?? "",
    };

    /// <summary>Python's float repr: the shortest digits that round-trip, fixed notation for exponents -4..15
    /// (<c>2.0</c>, <c>0.0001</c>), scientific otherwise (<c>1e+16</c>, <c>1.5e-05</c>); <c>inf</c>, <c>nan</c>.</summary>
    public static string FloatRepr(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";
        // "E16" is not shortest; "R" is, but in .NET's own layout: take its digits and exponent apart.
        var r = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var e = r.IndexOf('E');
        if (e >= 0) { exponent = int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture); r = r[..e]; }
        var point = r.IndexOf('.');
        var digits = point < 0 ? r : r.Remove(point, 1);
        var pointAt = (point < 0 ? r.Length : point) + exponent; // digits[0..pointAt] is the integer part
        var lead = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        pointAt -= lead;
        if (digits.Length == 0) digits = "0";
        var exp10 = pointAt - 1;
        var sign = d < 0 ? "-" : "";
        if (exp10 is >= -4 and < 16)
        {
            string text = pointAt <= 0 ? "0." + new string('0', -pointAt) + digits
                        : pointAt >= digits.Length ? digits + new string('0', pointAt - digits.Length) + ".0"
                        : digits[..pointAt] + "." + digits[pointAt..];
            return sign + text;
        }
        var mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
        return $"{sign}{mantissa}e{(exp10 < 0 ? "-" : "+")}{Math.Abs(exp10):00}";
    }

    public static string StringRepr(string s)
    {
        var quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var sb = new StringBuilder().Append(quote);
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c == quote) sb.Append('\\').Append(c);
                    else if (c < 0x20 || c == 0x7f) sb.Append($"\\x{(int)c:x2}");
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append(quote).ToString();
    }

    public static bool IsTrue(object? value) => value switch
    {
        null or JinjaUndefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> list => list.Count > 0,
        object?[] tuple => tuple.Length > 0,
        JinjaDict dict => dict.Count > 0,
        _ => true,
    };

    public static bool IsNumber(object? value) => value is bool or long or double;

    public static double ToDouble(object? value) => value switch
    {
        bool b => b ? 1 : 0,
        long l => l,
        double d => d,
        _ => throw new InvalidOperationException("not a number"),
    };

    public static bool AreEqual(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b))
            return a is double || b is double ? ToDouble(a) == ToDouble(b) : ToLong(a) == ToLong(b);
        return (a, b) switch
        {
            (null, null) => true,
            (string x, string y) => x == y,
            (JinjaUndefined, JinjaUndefined) => true,
            (List<object?> x, List<object?> y) => x.Count == y.Count && x.Zip(y).All(p => AreEqual(p.First, p.Second)),
            (object?[] x, object?[] y) => x.Length == y.Length && x.Zip(y).All(p => AreEqual(p.First, p.Second)),
            (JinjaDict x, JinjaDict y) => x.Count == y.Count && x.Entries.All(e => y.TryGet(e.Key, out var v) && AreEqual(e.Value, v)),
            _ => ReferenceEquals(a, b),
        };
    }

    public static long ToLong(object? value) => value switch { bool b => b ? 1 : 0, long l => l, _ => throw new InvalidOperationException() };

    /// <summary>Python's ordering (<c>&lt;</c> and friends) between numbers, strings, lists or tuples; else a TypeError.</summary>
    public static int Compare(object? a, object? b, string op)
    {
        if (a is JinjaUndefined ua) throw ua.Fail();
        if (b is JinjaUndefined ub) throw ub.Fail();
        if (IsNumber(a) && IsNumber(b))
            return a is double || b is double ? ToDouble(a).CompareTo(ToDouble(b)) : ToLong(a).CompareTo(ToLong(b));
        switch (a, b)
        {
            case (string x, string y): return Math.Sign(string.CompareOrdinal(x, y));
            case (List<object?> x, List<object?> y): return CompareSequences(x, y, op);
            case (object?[] x, object?[] y): return CompareSequences(x, y, op);
        }
        throw new JinjaRuntimeException($"'{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    private static int CompareSequences(IReadOnlyList<object?> x, IReadOnlyList<object?> y, string op)
    {
        for (var i = 0; i < Math.Min(x.Count, y.Count); i++)
            if (!AreEqual(x[i], y[i])) return Compare(x[i], y[i], op);
        return x.Count.CompareTo(y.Count);
    }

    /// <summary>Python's type name, as in its error messages.</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        object?[] => "tuple",
        JinjaDict => "dict",
        JinjaNamespace => "Namespace",
        JinjaUndefined => "Undefined",
        JinjaLoop => "LoopContext",
        JinjaCallable => "function",
        _ => value.GetType().Name,
    };

    /// <summary>How jinja names an object in "has no attribute" messages: <c>dict object</c>, <c>None</c>.</summary>
    public static string TypeDescription(object? value) => value is null ? "None" : $"{TypeName(value)} object";

    /// <summary>The items a for loop (or <c>list</c>) walks: a list's or tuple's items, a string's characters, a dict's keys.</summary>
    public static IReadOnlyList<object?> Iterate(object? value) => value switch
    {
        List<object?> list => list,
        object?[] tuple => tuple,
        string s => TextElements(s),
        JinjaDict dict => dict.Keys.ToList(),
        JinjaUndefined => [],
        _ => throw new JinjaRuntimeException($"'{TypeName(value)}' object is not iterable"),
    };

    /// <summary>A Python string's items are code points (a surrogate pair is one).</summary>
    public static List<object?> TextElements(string s)
    {
        var items = new List<object?>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { items.Add(s.Substring(i, 2)); i++; }
            else items.Add(s[i].ToString());
        }
        return items;
    }

    /// <summary>Python's <c>len()</c>; strings count code points.</summary>
    public static long Length(object? value) => value switch
    {
        string s => TextElements(s).Count,
        List<object?> list => list.Count,
        object?[] tuple => tuple.Length,
        JinjaDict dict => dict.Count,
        JinjaUndefined => 0,
        _ => throw new JinjaRuntimeException($"object of type '{TypeName(value)}' has no len()"),
    };

    /// <summary>Python's <c>str.isspace()</c> for one character (it also counts the separators U+001C–U+001F).</summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';
}
