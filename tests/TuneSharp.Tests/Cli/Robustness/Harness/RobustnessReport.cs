using System.Text;

namespace TuneSharp.Tests.Cli.Robustness;

/// <summary>Text reports of a robustness run: a summary line, and every failing case with its command line, exit code,
/// time, broken rules and the first lines of its output.</summary>
public static class RobustnessReport
{
    public static string Summary(IReadOnlyList<CaseResult> results, TimeSpan wall) =>
        $"{results.Count} cases, {results.Count(r => r.Failed)} failed, {wall.TotalSeconds:0} s " +
        $"({results.Select(r => r.Case.Command).Distinct().Count()} commands, {results.Select(r => (r.Case.Command, r.Case.Varied)).Distinct().Count()} parameters)";

    /// <summary>Per command: cases, failures and the children's total time (where the run's time goes).</summary>
    public static string Breakdown(IReadOnlyList<CaseResult> results) =>
        string.Join("\n", results.GroupBy(r => r.Case.Command).Select(g =>
            $"  {g.Key}: {g.Count()} cases, {g.Count(r => r.Failed)} failed, {g.Sum(r => r.Outcome.Elapsed.TotalSeconds):0} s in children"));

    /// <summary>Every failure, grouped by command and varied parameter so that one fix's cases stand together.</summary>
    public static string Failures(IReadOnlyList<CaseResult> results, string? fixturesRoot, int outputLines = 4)
    {
        var text = new StringBuilder();
        foreach (var r in results.Where(r => r.Failed).OrderBy(r => r.Case.Command, StringComparer.Ordinal).ThenBy(r => r.Case.Varied, StringComparer.Ordinal))
        {
            var o = r.Outcome;
            text.AppendLine($"FAIL [{r.Case.Command} {r.Case.Varied} = {r.Case.ClassName}] exit {o.ExitCode}, {o.Elapsed.TotalSeconds:0.0} s");
            text.AppendLine($"  $ {r.Case.Display(fixturesRoot)}");
            foreach (var problem in r.Problems) text.AppendLine($"  - {problem}");
            foreach (var line in CaseJudge.FirstLines(o, outputLines))
                text.AppendLine($"  | {(fixturesRoot is null ? line : line.Replace(fixturesRoot, "$FIXTURES", StringComparison.Ordinal))}");
        }
        return text.ToString();
    }
}
