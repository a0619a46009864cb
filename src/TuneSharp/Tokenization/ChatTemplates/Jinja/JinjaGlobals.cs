namespace TuneSharp.Tokenization.ChatTemplates.Jinja;

/// <summary>
/// The functions a template sees without being given them: jinja2's <c>range</c>, <c>dict</c> and <c>namespace</c>,
/// and transformers' <c>raise_exception(message)</c>.
/// </summary>
internal static class JinjaGlobals
{
    // jinja's ImmutableSandboxedEnvironment caps range() at this many items.
    private const long MaxRange = 100_000;

    public static void AddTo(JinjaScope scope)
    {
        scope.Set("raise_exception", new JinjaCallable("raise_exception", call =>
            throw new JinjaRaisedException(call.Line, JinjaPython.Str(call.Arg(0, "message", "")))));
        scope.Set("namespace", new JinjaCallable("namespace", Namespace));
        scope.Set("range", new JinjaCallable("range", Range));
        scope.Set("dict", new JinjaCallable("dict", call =>
        {
            var dict = new JinjaDict();
            foreach (var (key, value) in call.Kwargs) dict.Set(key, value);
            return dict;
        }));
        foreach (var name in new[] { "cycler", "joiner", "lipsum" })
            scope.Set(name, new JinjaCallable(name, call => throw new JinjaUnsupportedException(call.Line, $"the function '{name}'")));
    }

    private static object Namespace(JinjaCall call)
    {
        var ns = new JinjaNamespace();
        foreach (var arg in call.Args)
        {
            if (arg is not JinjaDict initial) throw new JinjaRuntimeException("namespace() takes a dict or keyword arguments");
            foreach (var entry in initial.Entries) ns.Attributes[JinjaPython.Str(entry.Key)] = entry.Value;
        }
        foreach (var (key, value) in call.Kwargs) ns.Attributes[key] = value;
        return ns;
    }

    private static object Range(JinjaCall call)
    {
        long Integer(object? v) => v is long or bool ? JinjaPython.ToLong(v)
            : throw new JinjaRuntimeException($"'{JinjaPython.TypeName(v)}' object cannot be interpreted as an integer");
        var (start, stop, step) = call.Args.Count switch
        {
            1 => (0L, Integer(call.Args[0]), 1L),
            2 => (Integer(call.Args[0]), Integer(call.Args[1]), 1L),
            3 => (Integer(call.Args[0]), Integer(call.Args[1]), Integer(call.Args[2])),
            _ => throw new JinjaRuntimeException("range expected 1 to 3 arguments"),
        };
        if (step == 0) throw new JinjaRuntimeException("range() arg 3 must not be zero");
        var items = new List<object?>();
        for (var i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            if (items.Count >= MaxRange) throw new JinjaRuntimeException($"Range too big. The sandbox blocks ranges larger than MAX_RANGE ({MaxRange}).");
            items.Add(i);
        }
        return items;
    }
}
