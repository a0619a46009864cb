using Xunit.Abstractions;

namespace TuneSharp.Tests.Cli.Robustness;

/// <summary>
/// Issue 12's harness in the default test run: every command and every option, read from the CLI's definitions, run as
/// a child process over a deterministic subset of bad and extreme values (see <see cref="CaseGenerator.DefaultSubset"/>).
/// One test, so that the fixtures are made once and the report lists every failing case together. The larger random
/// sweep is <c>bench/run cli-fuzz</c>.
/// </summary>
public class CliRobustnessTests(ITestOutputHelper output)
{
    /// <summary>Per case: the slowest valid case (a 3-step training run) takes a few seconds on 2 busy cores.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>Set to a substring of "command option class" (e.g. "predict --batch-size") to run only the matching cases.</summary>
    public const string OnlyVariable = "TUNESHARP_ROBUSTNESS_ONLY";

    [Fact]
    public void EveryOptionOfEveryCommandRefusesBadValuesWithoutCrashing()
    {
        using var fixtures = new RobustnessFixtures(output.WriteLine);
        var generator = new CaseGenerator(fixtures, CliSurface.Read());
        Assert.True(generator.CommandsWithoutBase.Count == 0,
            $"commands without a base invocation in CaseGenerator (add one so their options are tested): {string.Join(", ", generator.CommandsWithoutBase)}");

        var cases = generator.DefaultSubset();
        if (Environment.GetEnvironmentVariable(OnlyVariable) is { Length: > 0 } only) // to re-run the cases of one fix
            cases = cases.Where(c => $"{c.Command} {c.Varied} {c.ClassName}".Contains(only, StringComparison.OrdinalIgnoreCase)).ToList();
        output.WriteLine($"{cases.Count} cases");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var results = new CaseRunner(fixtures, Bound).RunAll(cases);
        var summary = RobustnessReport.Summary(results, clock.Elapsed);
        output.WriteLine(summary);
        output.WriteLine(RobustnessReport.Breakdown(results));
        Assert.True(results.All(r => !r.Failed), summary + "\n" + RobustnessReport.Failures(results, fixtures.Root));
    }

    [Fact]
    public void TheSurfaceIsReadFromTheDefinitions()
    {
        // The harness is only as good as its reading of the command tree: spot-check kinds it must infer.
        var commands = CliSurface.Read().ToDictionary(c => c.Name);
        CliParameter Get(string command, string name) => commands[command].Parameters.Single(p => p.Name == name);
        Assert.Equal(ValueKind.Integer, Get("evaluate", "--batch-size").Kind);
        Assert.Equal(ValueKind.Long, Get("generate", "--seed").Kind);
        Assert.Equal(ValueKind.Number, Get("train", "--learning-rate").Kind); // a string option typed by TrainingArguments
        Assert.Equal(ValueKind.Integer, Get("plan", "--per-device-train-batch-size").Kind);
        Assert.Equal(ValueKind.Choice, Get("train", "--lr-scheduler-type").Kind);
        Assert.Contains("constant_with_warmup", Get("train", "--lr-scheduler-type").Choices);
        Assert.Equal(["error", "skip"], Get("train", "--on-bad-row").Choices); // from AcceptOnlyFromAmong
        Assert.Equal(ValueKind.Flag, Get("train", "--bf16").Kind);
        Assert.Equal(ValueKind.InputFile, Get("train", "--config").Kind);
        Assert.Contains(".yaml", Get("train", "--config").Extensions);
        Assert.Equal(ValueKind.OutputFolder, Get("train", "--output").Kind);
        Assert.Equal(ValueKind.OutputFile, Get("predict", "--output").Kind);
        Assert.Equal(ValueKind.OutputFolder, Get("merge", "--output").Kind);
        Assert.Equal(FolderKind.Adapter, Get("merge", "--adapter").Folder);
        Assert.Equal(ValueKind.InputFolder, Get("info", "model-dir").Kind);
        Assert.Equal(ValueKind.Text, Get("generate", "--prompt").Kind);
    }
}
