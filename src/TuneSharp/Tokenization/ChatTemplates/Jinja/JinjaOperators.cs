namespace TuneSharp.Tokenization.ChatTemplates.Jinja;

/// <summary>Python's arithmetic, concatenation, membership and comparison operators on template values.</summary>
internal static class JinjaOperators
{
    public static object? Binary(string op, object? left, object? right)
    {
        // `~` stringifies both sides (undefined as ""); it is the only operator undefined values survive.
        if (op == "~") return JinjaPython.Str(left) + JinjaPython.Str(right);
        if (op == "%" && left is string format) return Format(format, right);
        if (left is JinjaUndefined ul) throw ul.Fail();
        if (right is JinjaUndefined ur) throw ur.Fail();
        if (JinjaPython.IsNumber(left) && JinjaPython.IsNumber(right)) return Arithmetic(op, left, right);
        switch (op, left, right)
        {
            case ("+", string a, string b): return a + b;
            case ("+", List<object?> a, List<object?> b): return a.Concat(b).ToList();
            case ("+", object?[] a, object?[] b): return a.Concat(b).ToArray();
            case ("*", string a, long or bool): return string.Concat(Repeat([a], right).Cast<string>());
            case ("*", long or bool, string b): return string.Concat(Repeat([b], left).Cast<string>());
            case ("*", List<object?> a, long or bool): return Repeat(a, right);
            case ("*", long or bool, List<object?> b): return Repeat(b, left);
            case ("*", object?[] a, long or bool): return Repeat(a, right).ToArray();
            case ("*", long or bool, object?[] b): return Repeat(b, left).ToArray();
        }
        if (op == "+" && left is string)
            throw new JinjaRuntimeException($"can only concatenate str (not \"{JinjaPython.TypeName(right)}\") to str");
        throw new JinjaRuntimeException(
            $"unsupported operand type(s) for {op}: '{JinjaPython.TypeName(left)}' and '{JinjaPython.TypeName(right)}'");
    }

    /// <summary>
    /// <c>'text' % value</c>. Only the case without conversion specifiers is modelled: Python then returns the text
    /// when the value is a mapping or sequence (it looks like a mapping to printf), and refuses anything else.
    /// </summary>
    private static string Format(string format, object? value)
    {
        if (format.Contains('%')) throw new JinjaUnsupportedException(0, "printf-style formatting ('...' % value)");
        if (value is List<object?> or JinjaDict or JinjaUndefined || value is object?[] { Length: 0 }) return format;
        throw new JinjaRuntimeException("not all arguments converted during string formatting");
    }

    private static List<object?> Repeat(IReadOnlyList<object?> items, object? times)
    {
        var result = new List<object?>();
        for (long i = 0; i < JinjaPython.ToLong(times); i++) result.AddRange(items);
        return result;
    }

    private static object Arithmetic(string op, object? left, object? right)
    {
        if (op == "/")
        {
            var divisor = JinjaPython.ToDouble(right);
            if (divisor == 0) throw new JinjaRuntimeException("division by zero");
            return JinjaPython.ToDouble(left) / divisor;
        }
        if (left is double || right is double)
        {
            double a = JinjaPython.ToDouble(left), b = JinjaPython.ToDouble(right);
            if (op is "//" or "%" && b == 0) throw new JinjaRuntimeException("float division by zero");
            return op switch
            {
                "+" => a + b,
                "-" => a - b,
                "*" => a * b,
                "//" => FloatDivMod(a, b).Quotient,
                "%" => FloatDivMod(a, b).Remainder,
                "**" => FloatPower(a, b),
                _ => throw new JinjaSyntaxException(0, $"unknown operator '{op}'"),
            };
        }
        long x = JinjaPython.ToLong(left), y = JinjaPython.ToLong(right);
        if (op is "//" or "%" && y == 0) throw new JinjaRuntimeException("integer division or modulo by zero");
        try
        {
            return IntegerArithmetic(op, x, y);
        }
        catch (OverflowException)
        {
            throw new JinjaUnsupportedException(0, "an integer beyond 64 bits"); // Python's ints are unbounded
        }
    }

    private static object IntegerArithmetic(string op, long x, long y)
    {
        return op switch
        {
            "+" => checked(x + y),
            "-" => checked(x - y),
            "*" => checked(x * y),
            // Python floors toward negative infinity; C#'s / and % truncate toward zero.
            "//" => FloorDiv(x, y),
            "%" => x - y * FloorDiv(x, y),
            "**" => y >= 0 ? (object)IntegerPower(x, y) : FloatPower(x, y),
            _ => throw new JinjaSyntaxException(0, $"unknown operator '{op}'"),
        };
    }

    /// <summary>Python's float divmod: the remainder from fmod takes the divisor's sign (exact even for 1e20 % -3).</summary>
    private static (double Quotient, double Remainder) FloatDivMod(double a, double b)
    {
        var remainder = a % b; // C# % on doubles is C's fmod
        var quotient = (a - remainder) / b;
        if (remainder != 0)
        {
            if ((b < 0) != (remainder < 0)) { remainder += b; quotient -= 1; }
        }
        else remainder = Math.CopySign(0.0, b);
        if (quotient != 0)
        {
            var floored = Math.Floor(quotient);
            quotient = quotient - floored > 0.5 ? floored + 1 : floored;
        }
        else quotient = Math.CopySign(0.0, a / b);
        return (quotient, remainder);
    }

    private static double FloatPower(double a, double b)
    {
        if (a == 0 && b < 0) throw new JinjaRuntimeException("0.0 cannot be raised to a negative power");
        if (a < 0 && b != Math.Floor(b)) throw new JinjaUnsupportedException(0, "a complex result (negative number ** fraction)");
        var result = Math.Pow(a, b);
        if (double.IsInfinity(result) && double.IsFinite(a) && double.IsFinite(b)) throw new JinjaRuntimeException("Numerical result out of range");
        return result;
    }

    private static long IntegerPower(long x, long y)
    {
        long result = 1;
        try
        {
            for (long i = 0; i < y; i++) result = checked(result * x);
        }
        catch (OverflowException)
        {
            throw new JinjaUnsupportedException(0, "an integer beyond 64 bits"); // Python's ints are unbounded
        }
        return result;
    }

    private static long FloorDiv(long x, long y) => x / y - ((x % y != 0) && ((x < 0) != (y < 0)) ? 1 : 0);

    public static object? Unary(string op, object? value)
    {
        if (value is JinjaUndefined u) throw u.Fail();
        // The arms are boxed one by one: a switch over double and long arms would type them all as double.
        return (op, value) switch
        {
            ("-", double d) => (object)-d,
            ("-", long or bool) => -JinjaPython.ToLong(value),
            ("+", double d) => d,
            ("+", long or bool) => JinjaPython.ToLong(value),
            _ => throw new JinjaRuntimeException($"bad operand type for unary {op}: '{JinjaPython.TypeName(value)}'"),
        };
    }

    public static bool Compare(string op, object? left, object? right) => op switch
    {
        "==" => JinjaPython.AreEqual(left, right),
        "!=" => !JinjaPython.AreEqual(left, right),
        "<" => JinjaPython.Compare(left, right, op) < 0,
        "<=" => JinjaPython.Compare(left, right, op) <= 0,
        ">" => JinjaPython.Compare(left, right, op) > 0,
        ">=" => JinjaPython.Compare(left, right, op) >= 0,
        "in" => Contains(right, left),
        "notin" => !Contains(right, left),
        _ => throw new JinjaSyntaxException(0, $"unknown comparison '{op}'"),
    };

    /// <summary>Python's <c>item in container</c>: a substring, a list/tuple member, a dict key.</summary>
    public static bool Contains(object? container, object? item) => container switch
    {
        string s when item is string sub => s.Contains(sub, StringComparison.Ordinal),
        string => throw new JinjaRuntimeException($"'in <string>' requires string as left operand, not {JinjaPython.TypeName(item)}"),
        JinjaDict when item is List<object?> or JinjaDict => throw new JinjaRuntimeException($"unhashable type: '{JinjaPython.TypeName(item)}'"),
        JinjaDict dict => dict.TryGet(item, out _),
        List<object?> or object?[] => JinjaPython.Iterate(container).Any(x => JinjaPython.AreEqual(x, item)),
        JinjaUndefined => false,
        _ => throw new JinjaRuntimeException($"argument of type '{JinjaPython.TypeName(container)}' is not iterable"),
    };
}
