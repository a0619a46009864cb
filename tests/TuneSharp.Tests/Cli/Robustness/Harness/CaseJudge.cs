using System.Text.RegularExpressions;

namespace TuneSharp.Tests.Cli.Robustness;

/// <summary>What one child process did.</summary>
public sealed record CaseOutcome(int ExitCode, TimeSpan Elapsed, bool TimedOut, bool OverMemory, long PeakRssBytes, string Stdout, string Stderr);

/// <summary>A case, what it did, and every rule it broke (none: it passed).</summary>
public sealed record CaseResult(RobustnessCase Case, CaseOutcome Outcome, IReadOnlyList<string> Problems)
{
    public bool Failed => Problems.Count > 0;
}

/// <summary>
/// The rules every case must keep: no death by a signal (134 is .NET's abort), no internal error (exit 70, an exception
/// the CLI caught as a last resort), no .NET exception type name, stack
/// trace or "Unhandled exception" in its output (an error is a one-line message, not a crash report), no run past the
/// time or memory bound, a refusal where the value is invalid (with a message), success where the invocation is valid.
/// </summary>
public static class CaseJudge
{
    private static readonly (Regex Pattern, string What)[] CrashText =
    [
        (new(@"\b[A-Z][A-Za-z0-9]*Exception\b"), ".NET exception type name"),
        (new(@"\bSystem\.[A-Z]\w*(\.[A-Z]\w*)*"), ".NET type name"),
        (new(@"^\s+at \S+.*\(.*\)", RegexOptions.Multiline), "stack trace"),
        (new(@"--- End of (inner exception )?stack trace"), "stack trace"),
        (new(@"Unhandled exception", RegexOptions.IgnoreCase), "unhandled exception"),
        (new(@"^Stack overflow\.", RegexOptions.Multiline), "stack overflow"),
        (new(@"Exception raised from|c10::"), "libtorch error report"),
    ];

    public static CaseResult Judge(RobustnessCase c, CaseOutcome o, TimeSpan bound, long memoryBoundBytes)
    {
        var problems = new List<string>();
        if (o.TimedOut) problems.Add($"hang: still running after {bound.TotalSeconds:0} s (killed)");
        else if (o.OverMemory) problems.Add($"memory: resident set above {memoryBoundBytes >> 20} MiB (killed)");
        else if (o.ExitCode >= 128) problems.Add(o.ExitCode == 134 ? "abort: exit 134 (SIGABRT)" : $"killed by signal {o.ExitCode - 128} (exit {o.ExitCode})");
        // The CLI's last-resort handler hides the exception from the user, not from this harness: it is still a bug.
        else if (o.ExitCode == TuneSharp.Cli.CliApp.InternalErrorExitCode) problems.Add($"internal error (exit {o.ExitCode}): an exception escaped the library");
        // One problem for all crash text, quoting the first line that shows it (an unhandled exception matches several patterns).
        var text = o.Stderr + "\n" + o.Stdout;
        var matches = CrashText.Select(x => (x.What, Match: x.Pattern.Match(text))).Where(x => x.Match.Success).ToList();
        if (matches.Count > 0)
            problems.Add($"{string.Join(", ", matches.Select(m => m.What).Distinct())} in the output: \"{Line(text, matches.Min(m => m.Match.Index))}\"");
        if (!o.TimedOut && !o.OverMemory)
        {
            if (c.Expect == Expectation.Refuse && o.ExitCode == 0) problems.Add($"exit 0 but must refuse ({c.Why})");
            if (c.Expect == Expectation.Succeed && o.ExitCode != 0) problems.Add($"exit {o.ExitCode} but must succeed");
            if (o.ExitCode is > 0 and < 128 && string.IsNullOrWhiteSpace(o.Stderr) && string.IsNullOrWhiteSpace(o.Stdout))
                problems.Add($"exit {o.ExitCode} without any message");
        }
        return new CaseResult(c, o, problems);
    }

    /// <summary>The (trimmed, shortened) line of <paramref name="text"/> that contains <paramref name="index"/>.</summary>
    private static string Line(string text, int index)
    {
        var start = text.LastIndexOf('\n', Math.Max(0, index - 1)) + 1;
        var end = text.IndexOf('\n', index);
        var line = text[start..(end < 0 ? text.Length : end)].Trim();
        return line.Length > 200 ? line[..200] + "…" : line;
    }

    /// <summary>The first non-empty lines of a case's output, standard error first (where errors go).</summary>
    public static IEnumerable<string> FirstLines(CaseOutcome o, int count) =>
        (o.Stderr + "\n" + o.Stdout).Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0)
            .Select(l => l.Length > 240 ? l[..240] + "…" : l).Take(count);
}
