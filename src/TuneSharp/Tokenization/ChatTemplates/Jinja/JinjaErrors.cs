namespace TuneSharp.Tokenization.ChatTemplates.Jinja;

/// <summary>
/// An error inside the renderer, with the template line it concerns; <see cref="JinjaTemplate"/> turns it into a
/// <see cref="ChatTemplateException"/> that also names the template.
/// </summary>
internal class JinjaException(int line, string message) : Exception(message)
{
    public int Line { get; set; } = line;
}

/// <summary>The template text is not valid Jinja (an unclosed tag, an unexpected token).</summary>
internal sealed class JinjaSyntaxException(int line, string message) : JinjaException(line, message);

/// <summary>The template uses a tag, filter, test, method or function this renderer does not implement.</summary>
internal sealed class JinjaUnsupportedException(int line, string construct)
    : JinjaException(line, $"{construct} is not supported by TuneSharp's Jinja renderer");

/// <summary>The template called <c>raise_exception(message)</c>: the message is the template's own.</summary>
internal sealed class JinjaRaisedException(int line, string message) : JinjaException(line, message);

/// <summary>A Python-level failure while rendering: an undefined value used, a type error, a bad index.</summary>
internal sealed class JinjaRuntimeException(string message) : JinjaException(0, message);
