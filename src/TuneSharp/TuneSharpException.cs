namespace TuneSharp;

/// <summary>
/// An error caused by the user's input (a file, an option, a model folder) rather than by a bug.
/// Its message says what was wrong, where (file, line, field) and what was expected; the CLI prints
/// it without a stack trace. Subsystems derive their own types from it.
/// </summary>
public class TuneSharpException : Exception
{
    public TuneSharpException(string message) : base(message) { }
    public TuneSharpException(string message, Exception inner) : base(message, inner) { }

    /// <summary>
    /// The setting whose value is invalid, by its snake_case name (<c>max_length</c>, <c>learning_rate</c>), when the
    /// error is about a setting's value rather than a file or a model; null otherwise. The CLI exits with its usage
    /// code for these.
    /// </summary>
    public string? Setting { get; init; }
}
