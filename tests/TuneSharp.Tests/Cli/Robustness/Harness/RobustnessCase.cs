namespace TuneSharp.Tests.Cli.Robustness;

/// <summary>
/// One child-process run of the CLI: the arguments (where <see cref="CaseFolder"/> stands for the case's own empty
/// folder), which parameter was varied with which value class, and what the exit code must be.
/// </summary>
public sealed record RobustnessCase(string Command, string Varied, string ClassName, IReadOnlyList<string> Args, Expectation Expect, string Why)
{
    /// <summary>Placeholder in <see cref="Args"/> for the case's own folder (outputs, and the existing-file/folder targets).</summary>
    public const string CaseFolder = "{case}";

    /// <summary>A one-line, shell-like rendering; long values shortened, the fixtures' folder shown as $FIXTURES.</summary>
    public string Display(string? fixturesRoot = null) => "tunesharp " + string.Join(' ', Args.Select(a => Quote(Shorten(a, fixturesRoot))));

    private static string Shorten(string arg, string? root)
    {
        if (root is not null) arg = arg.Replace(root, "$FIXTURES", StringComparison.Ordinal);
        return arg.Length > 60 ? $"{arg[..20]}…({arg.Length} chars)" : arg;
    }

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(ch => char.IsAsciiLetterOrDigit(ch) || "-_./=:,${}@+".Contains(ch))
            ? arg
            : "'" + string.Concat(arg.Select(ch => ch switch { '\'' => "'\\''", '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", < ' ' => $"\\x{(int)ch:x2}", _ => ch.ToString() })) + "'";
}
