using System.Diagnostics;
using System.Globalization;
using System.Text;
using TuneSharp.Tests.Cli.Robustness;

namespace TuneSharp.Bench;

/// <summary>
/// cli-fuzz: issue 12's randomized sweep. The robustness harness of the test project (its files are compiled in here:
/// the same command-tree reading, fixtures, case generator, refusal rules and child-process runner) draws --cases
/// cases with --seed — every parameter of every command, every value class including the extremes the default test
/// run leaves out (accepted values of train and plan), random numbers, choices and file extensions — runs each as a
/// child process (--bound-s per case, 2 at once) and records how many it tried and how many failed, with every
/// failure. Results: bench/results/cli_fuzz_seed{N}.{json,md}. Exit code 0 even with failures (a record, not a gate).
/// </summary>
internal static class CliFuzzBenchmark
{
    public static int Run(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        var count = int.Parse(BenchArgs.Option(args, "--cases") ?? "300", inv);
        var seed = int.Parse(BenchArgs.Option(args, "--seed") ?? "1", inv);
        var bound = TimeSpan.FromSeconds(double.Parse(BenchArgs.Option(args, "--bound-s") ?? "60", inv));
        var only = BenchArgs.Option(args, "--only"); // a substring of "command option class", as TUNESHARP_ROBUSTNESS_ONLY

        var clock = Stopwatch.StartNew();
        using var fixtures = new RobustnessFixtures(Console.WriteLine);
        var generator = new CaseGenerator(fixtures, CliSurface.Read());
        var cases = generator.Sweep(seed, count).ToList();
        if (only is not null) cases = cases.Where(c => $"{c.Command} {c.Varied} {c.ClassName}".Contains(only, StringComparison.OrdinalIgnoreCase)).ToList();
        Console.WriteLine($"{cases.Count} cases, seed {seed}, bound {bound.TotalSeconds:0} s per case");

        var done = 0;
        var results = new CaseRunner(fixtures, bound).RunAll(cases, (_, r) =>
        {
            done++;
            if (r.Failed || done % 25 == 0)
                Console.WriteLine($"[{done}/{cases.Count}] {(r.Failed ? "FAIL" : "ok")} {r.Case.Command} {r.Case.Varied} = {r.Case.ClassName}{(r.Failed ? ": " + r.Problems[0] : "")}");
        });
        var wall = clock.Elapsed;
        var failed = results.Where(r => r.Failed).ToList();
        Console.WriteLine(RobustnessReport.Summary(results, wall));
        Console.WriteLine(RobustnessReport.Breakdown(results));

        var figures = new Dictionary<string, object>
        {
            ["seed"] = seed,
            ["cases_tried"] = results.Count,
            ["cases_failed"] = failed.Count,
            ["distinct_failing_parameter_classes"] = failed.Select(r => (r.Case.Command, r.Case.Varied, r.Case.ClassName)).Distinct().Count(),
            ["parameters_covered"] = results.Select(r => (r.Case.Command, r.Case.Varied)).Distinct().Count(),
            ["bound_s_per_case"] = bound.TotalSeconds,
            ["wall_s"] = Math.Round(wall.TotalSeconds, 1),
            ["failures"] = failed.Select(r => new Dictionary<string, object>
            {
                ["command"] = r.Case.Command,
                ["parameter"] = r.Case.Varied,
                ["class"] = r.Case.ClassName,
                ["exit_code"] = r.Outcome.ExitCode,
                ["elapsed_s"] = Math.Round(r.Outcome.Elapsed.TotalSeconds, 1),
                ["problems"] = r.Problems,
                ["command_line"] = r.Case.Display(fixtures.Root),
                ["first_lines"] = CaseJudge.FirstLines(r.Outcome, 3).Select(l => l.Replace(fixtures.Root, "$FIXTURES", StringComparison.Ordinal)).ToList(),
            }).ToList(),
        };
        var notes = new StringBuilder(
            $"Each case is one child process `dotnet TuneSharp.Cli.dll ...` (stdin closed, offline, {bound.TotalSeconds:0} s and {new CaseRunner(fixtures, bound).MemoryBoundBytes >> 20} MiB bound, 2 at once) " +
            "varying one parameter of a valid base invocation; the rules are tests/TuneSharp.Tests/Cli/Robustness/Harness/RefusalRules.cs and CaseJudge.cs. " +
            $"Re-run: `bench/run cli-fuzz --cases {count} --seed {seed}`.\n\n");
        if (failed.Count > 0)
        {
            notes.Append("| command | parameter | class | exit | problem |\n|---|---|---|---|---|\n");
            foreach (var r in failed.OrderBy(r => r.Case.Command, StringComparer.Ordinal).ThenBy(r => r.Case.Varied, StringComparer.Ordinal))
                notes.Append($"| {r.Case.Command} | {r.Case.Varied} | {r.Case.ClassName} | {r.Outcome.ExitCode} | {r.Problems[0].Replace("|", "\\|").Replace(fixtures.Root, "$FIXTURES")} |\n");
        }
        ResultsFile.Write($"cli_fuzz_seed{seed}", "CLI robustness sweep: random bad and extreme values for every option of every command", figures, notes.ToString());
        return 0;
    }
}
