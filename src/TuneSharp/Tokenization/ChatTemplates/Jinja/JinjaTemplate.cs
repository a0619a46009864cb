using System.Collections;

namespace TuneSharp.Tokenization.ChatTemplates.Jinja;

/// <summary>
/// A Jinja2 template compiled the way transformers 4.40's <c>apply_chat_template</c> compiles chat templates
/// (<c>ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)</c> with a <c>raise_exception</c> global),
/// rendering exactly as Python's jinja2 does for the constructs chat templates use. Variables are given as .NET values:
/// strings, booleans, integers, doubles, null (None), lists, string-keyed dictionaries and <see cref="ChatMessage"/>s
/// (which become <c>{'role': ..., 'content': ...}</c> dicts).
/// </summary>
public sealed class JinjaTemplate
{
    private readonly IReadOnlyList<JinjaNode> _body;

    private JinjaTemplate(string name, IReadOnlyList<JinjaNode> body)
    {
        Name = name;
        _body = body;
    }

    /// <summary>The name errors use for this template (a model folder, a file, a built-in name).</summary>
    public string Name { get; }

    /// <summary>Parses <paramref name="source"/>.</summary>
    /// <exception cref="ChatTemplateException">The source is not valid Jinja, or uses a tag the renderer does not
    /// support; the message names <paramref name="name"/>, the line and the construct.</exception>
    public static JinjaTemplate Parse(string source, string name)
    {
        ArgumentNullException.ThrowIfNull(source);
        try { return new JinjaTemplate(name, JinjaParser.Parse(source)); }
        catch (JinjaException e) { throw Wrap(name, e); }
    }

    /// <summary>The template's text for <paramref name="variables"/>.</summary>
    /// <exception cref="ChatTemplateException">The template called <c>raise_exception</c> (its message is kept
    /// verbatim), used an undefined value where jinja2 fails, or used an unsupported filter, test or method.</exception>
    public string Render(IReadOnlyDictionary<string, object?> variables)
    {
        var globals = new JinjaScope(null);
        JinjaGlobals.AddTo(globals);
        foreach (var (key, value) in variables) globals.Set(key, FromClr(value));
        try { return JinjaEvaluator.Render(_body, globals); }
        catch (JinjaException e) { throw Wrap(Name, e); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or OverflowException or InvalidCastException or IndexOutOfRangeException)
        {
            // A value the renderer's Python model did not foresee; say so rather than crash the run with a stack trace.
            throw new ChatTemplateException($"Chat template '{Name}' could not be rendered: {e.GetType().Name}: {e.Message} " +
                                            "(an unforeseen case in TuneSharp's Jinja renderer; please report it with the template)");
        }
    }

    private static ChatTemplateException Wrap(string name, JinjaException e) => e switch
    {
        JinjaRaisedException => new ChatTemplateException($"Chat template '{name}' raised an error (line {e.Line}): {e.Message}"),
        JinjaSyntaxException => new ChatTemplateException($"Chat template '{name}', line {e.Line}: syntax error: {e.Message}"),
        _ => new ChatTemplateException($"Chat template '{name}', line {e.Line}: {e.Message}"),
    };

    /// <summary>A .NET value as the template's Python-like value.</summary>
    private static object? FromClr(object? value) => value switch
    {
        null or string or bool or long or double => value,
        int i => (long)i,
        float f => (double)f,
        ChatMessage m => Dict([new("role", m.Role), new("content", m.Content)]),
        IDictionary<string, object?> d => Dict(d.Select(e => new KeyValuePair<string, object?>(e.Key, FromClr(e.Value)))),
        IDictionary<string, string> d => Dict(d.Select(e => new KeyValuePair<string, object?>(e.Key, e.Value))),
        IEnumerable items => items.Cast<object?>().Select(FromClr).ToList(),
        _ => throw new ArgumentException($"a template variable cannot be a {value.GetType().Name}"),
    };

    private static JinjaDict Dict(IEnumerable<KeyValuePair<string, object?>> entries)
    {
        var dict = new JinjaDict();
        foreach (var (key, value) in entries) dict.Set(key, value);
        return dict;
    }
}
