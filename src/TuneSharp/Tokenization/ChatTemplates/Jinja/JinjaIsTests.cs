namespace TuneSharp.Tokenization.ChatTemplates.Jinja;

/// <summary>jinja2's built-in tests (<c>value is name(args)</c>), with Python's type rules (a bool is a number).</summary>
internal static class JinjaIsTests
{
    /// <summary>The tests <see cref="Apply"/> implements; the parser refuses others as it meets them.</summary>
    public static readonly IReadOnlySet<string> Supported = new HashSet<string>(StringComparer.Ordinal)
    {
        "defined", "undefined", "none", "boolean", "true", "false", "integer", "float", "number", "string", "mapping",
        "iterable", "sequence", "callable", "sameas", "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=",
        "gt", "greaterthan", ">", "ge", ">=", "in", "lower", "upper", "odd", "even", "divisibleby",
    };

    public static bool Apply(string name, object? value, IReadOnlyList<object?> args, int line)
    {
        object? Arg(int i) => i < args.Count ? args[i]
            : throw new JinjaRuntimeException($"the test '{name}' needs {i + 1} argument(s)");
        return name switch
        {
            "defined" => value is not JinjaUndefined,
            "undefined" => value is JinjaUndefined,
            "none" => value is null,
            "boolean" => value is bool,
            "true" => value is true,
            "false" => value is false,
            "integer" => value is long,
            "float" => value is double,
            "number" => JinjaPython.IsNumber(value),
            "string" => value is string,
            "mapping" => value is JinjaDict,
            // Undefined iterates as empty and has a length and __getitem__, so jinja counts it as both.
            "iterable" => value is string or List<object?> or object?[] or JinjaDict or JinjaUndefined,
            "sequence" => value is string or List<object?> or object?[] or JinjaDict or JinjaUndefined,
            "callable" => value is JinjaCallable,
            "sameas" => ReferenceEquals(value, Arg(0)) || (value is null && Arg(0) is null)
                        || (value is bool a && Arg(0) is bool b && a == b),
            "eq" or "equalto" or "==" => JinjaPython.AreEqual(value, Arg(0)),
            "ne" or "!=" => !JinjaPython.AreEqual(value, Arg(0)),
            "lt" or "lessthan" or "<" => JinjaPython.Compare(value, Arg(0), "<") < 0,
            "le" or "<=" => JinjaPython.Compare(value, Arg(0), "<=") <= 0,
            "gt" or "greaterthan" or ">" => JinjaPython.Compare(value, Arg(0), ">") > 0,
            "ge" or ">=" => JinjaPython.Compare(value, Arg(0), ">=") >= 0,
            "in" => JinjaOperators.Contains(Arg(0), value),
            // Python's str.islower()/isupper() on str(value): some cased letter, and none of the other case.
            "lower" => HasOnlyCase(JinjaPython.Str(value), char.IsLower, char.IsUpper),
            "upper" => HasOnlyCase(JinjaPython.Str(value), char.IsUpper, char.IsLower),
            "odd" => JinjaPython.AreEqual(JinjaOperators.Binary("%", value, 2L), 1L),
            "even" => JinjaPython.AreEqual(JinjaOperators.Binary("%", value, 2L), 0L),
            "divisibleby" => JinjaPython.AreEqual(JinjaOperators.Binary("%", value, Arg(0)), 0L),
            _ => throw new JinjaUnsupportedException(line, $"the test '{name}'"),
        };
    }

    private static bool HasOnlyCase(string s, Func<char, bool> wanted, Func<char, bool> other) =>
        s.Any(wanted) && !s.Any(other);
}
