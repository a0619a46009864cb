namespace TuneSharp.Tokenization.ChatTemplates.Jinja;

/// <summary>
/// <c>x.name</c>, <c>x[key]</c> and <c>x[a:b]</c> as jinja2 resolves them: an attribute lookup falls back to an item of
/// that name and the other way round, and whatever is missing is <see cref="JinjaUndefined"/> (an error only once used).
/// </summary>
internal static class JinjaAccess
{
    public static object? Attribute(object? target, string name, int line)
    {
        switch (target)
        {
            case JinjaUndefined u: throw u.Fail();
            case JinjaNamespace ns:
                return ns.Attributes.TryGetValue(name, out var value) ? value : JinjaUndefined.ForAttribute(target, name);
            case JinjaLoop loop: return loop.Attribute(name);
        }
        if (JinjaMethods.TryBind(target, name, line) is { } method) return method;
        if (target is JinjaDict dict && dict.TryGet(name, out var item)) return item;
        return JinjaUndefined.ForAttribute(target, name);
    }

    public static object? Item(object? target, object? key, int line)
    {
        switch (target)
        {
            case JinjaUndefined u: throw u.Fail();
            case JinjaDict dict: if (dict.TryGet(key, out var value)) return value; break;
            case List<object?> or object?[] or string when key is long or bool:
                var items = target is string s ? JinjaPython.TextElements(s) : (IReadOnlyList<object?>)target;
                var index = JinjaPython.ToLong(key);
                if (index < 0) index += items.Count;
                if (index >= 0 && index < items.Count) return items[(int)index];
                return JinjaUndefined.ForAttribute(target, key);
        }
        // jinja's getitem falls back to an attribute when the key is a string: loop['index'], ns['x'].
        return key is string name ? Attribute(target, name, line) : JinjaUndefined.ForAttribute(target, key);
    }

    /// <summary>Python slicing of a list, tuple or string (negative bounds and steps included).</summary>
    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        if (target is JinjaUndefined u) throw u.Fail();
        IReadOnlyList<object?>? items = target switch
        {
            string s => JinjaPython.TextElements(s),
            List<object?> list => list,
            object?[] tuple => tuple,
            _ => null,
        };
        // jinja turns Python's TypeError for slicing a number, None or a dict into an undefined value.
        if (items is null)
            return new JinjaUndefined($"{JinjaPython.TypeDescription(target)} has no element slice({JinjaPython.Repr(start)}, {JinjaPython.Repr(stop)}, {JinjaPython.Repr(step)})");
        var stride = step is null ? 1 : Integer(step);
        if (stride == 0) throw new JinjaRuntimeException("slice step cannot be zero");
        long n = items.Count;
        long Clamp(object? bound, long fallback)
        {
            if (bound is null) return fallback;
            var i = Integer(bound);
            if (i < 0) i += n;
            return stride > 0 ? Math.Clamp(i, 0, n) : Math.Clamp(i, -1, n - 1);
        }
        var from = Clamp(start, stride > 0 ? 0 : n - 1);
        var to = Clamp(stop, stride > 0 ? n : -1);
        var picked = new List<object?>();
        for (var i = from; stride > 0 ? i < to : i > to; i += stride) picked.Add(items[(int)i]);
        return target switch
        {
            string => string.Concat(picked.Cast<string>()),
            object?[] => picked.ToArray(),
            _ => picked,
        };
    }

    private static long Integer(object? value) => value is long or bool
        ? JinjaPython.ToLong(value)
        : throw new JinjaRuntimeException("slice indices must be integers or None");
}
