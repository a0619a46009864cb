using System.CommandLine;
using System.Text.RegularExpressions;

namespace TuneSharp.Cli;

/// <summary>
/// Reports what the parser refused (a missing required option, an unknown flag, a value of the wrong type) in the
/// user's words, with the command's usage line and a pointer to its help, and exits with the usage code. The
/// parser's own messages name .NET types ("expected type 'System.Int32'"); these say "an integer".
/// </summary>
internal static partial class UsageErrors
{
    public static int Report(CliOutput io, ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        foreach (var error in parsed.Errors) io.Error(Friendly(error.Message, command));
        var path = string.Join(' ', CommandPath(command));
        io.Err.WriteLine($"usage: {path}{(command.Subcommands.Count > 0 ? " <command>" : "")} [options]; see '{path} --help'.");
        return CliApp.UsageExitCode;
    }

    private static IEnumerable<string> CommandPath(Command command)
    {
        var names = new List<string>();
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault()) names.Insert(0, c.Name);
        return names;
    }

    private static string Friendly(string message, Command command)
    {
        message = ExpectedType().Replace(message, m => $"expected {TypeWords(m.Groups[1].Value)}");
        // An unknown flag: suggest the closest one the command has.
        var unknown = Unrecognized().Match(message);
        if (unknown.Success && unknown.Groups[1].Value.StartsWith("--", StringComparison.Ordinal))
        {
            var flags = command.Options.SelectMany(o => o.Aliases.Append(o.Name)).Where(f => f.StartsWith("--", StringComparison.Ordinal)).Distinct().ToList();
            var typed = unknown.Groups[1].Value;
            if (EditDistance.Suggest(typed, flags) is { } closest) message += $" Did you mean {closest}?";
        }
        return message;
    }

    // "System.Int32", "System.Nullable`1[System.Double]", "System.Boolean"... in plain words.
    private static string TypeWords(string type) =>
        type.Contains("Int", StringComparison.Ordinal) ? "an integer"
        : type.Contains("Double", StringComparison.Ordinal) || type.Contains("Single", StringComparison.Ordinal) || type.Contains("Decimal", StringComparison.Ordinal) ? "a number"
        : type.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
        : "a value";

    [GeneratedRegex(@"as expected type '([^']*)'")]
    private static partial Regex ExpectedType();

    [GeneratedRegex(@"Unrecognized command or argument '([^']*)'")]
    private static partial Regex Unrecognized();
}
