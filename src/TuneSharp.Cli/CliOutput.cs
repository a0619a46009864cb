namespace TuneSharp.Cli;

/// <summary>Where commands write: standard output for results, standard error for progress and errors.</summary>
public sealed class CliOutput(TextWriter output, TextWriter error)
{
    public TextWriter Out { get; } = output;
    public TextWriter Err { get; } = error;

    /// <summary>True when standard output is an interactive terminal (live progress, colours) rather than a file or pipe.</summary>
    public bool IsTerminal => ReferenceEquals(Out, Console.Out) && !Console.IsOutputRedirected;

    /// <summary>The longest message printed whole; the library shortens the values it quotes, this is the last guard.</summary>
    public const int MaxMessageLength = 4000;

    /// <summary>
    /// Turns the settings the library writes with a value (<c>method=lora</c>) in a progress or plan line into this
    /// command's flags (set once the command line is parsed, see <see cref="FlagNames.RewriteSettings"/>); identity before that.
    /// </summary>
    public Func<string, string> Render { get; set; } = text => text;

    public void Error(string message) => Err.WriteLine($"error: {TextExcerpt.Of(message, MaxMessageLength)}");
    public void Warn(string message) => Err.WriteLine($"warning: {message}");
}
