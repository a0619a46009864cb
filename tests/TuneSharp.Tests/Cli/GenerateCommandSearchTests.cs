using System.Text.Json;

namespace TuneSharp.Tests.Cli;

/// <summary><c>generate</c>'s --prompts-file batches, --stop, --max-time, --num-beams, --repetition-penalty and their usage errors.</summary>
public class GenerateCommandSearchTests
{
    private static readonly string[] Prompts = ["Once upon a time", "The cat", "Lily and Tom"];

    private static string SingleContinuation(string dir, string prompt, params string[] flags)
    {
        string[] length = flags.Contains("--max-new-tokens") ? [] : ["--max-new-tokens", "10"];
        var (code, output, error) = CliRunner.Run(["generate", "--model", dir, "--prompt", prompt, .. length, .. flags]);
        Assert.True(code == 0, error);
        Assert.StartsWith(prompt, output);
        return output[prompt.Length..^Environment.NewLine.Length];
    }

    private static List<(string Prompt, string Text)> JsonLines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(line => JsonDocument.Parse(line).RootElement)
        .Select(e => (e.GetProperty("prompt").GetString()!, e.GetProperty("generated_text").GetString()!)).ToList();

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void APromptsFileIsGeneratedAsOneBatchWithOneJsonLinePerPromptInOrder(bool jsonLines)
    {
        var dir = SharedData.RequireModel("stories260K");
        using var temp = new TempDir();
        var file = Path.Combine(temp.Path, jsonLines ? "prompts.jsonl" : "prompts.txt");
        File.WriteAllLines(file, jsonLines ? Prompts.Select(p => JsonSerializer.Serialize(new { prompt = p, id = 3 })) : [Prompts[0], "", .. Prompts[1..]]);

        var (code, output, error) = CliRunner.Run("generate", "--model", dir, "--prompts-file", file, "--max-new-tokens", "10", "--repetition-penalty", "2");

        Assert.True(code == 0, error);
        var rows = JsonLines(output);
        Assert.Equal(Prompts, rows.Select(r => r.Prompt));
        foreach (var (prompt, text) in rows)
        {
            Assert.Equal(SingleContinuation(dir, prompt, "--repetition-penalty", "2"), text);
            Assert.True(text.Length > 5, text);
        }
        // The penalty changes the text (else the flag would not be reaching the generator).
        Assert.NotEqual(SingleContinuation(dir, Prompts[0]), rows[0].Text);
    }

    [SkippableFact]
    public void StopEndsTheTextAtTheTokenThatCompletesTheString()
    {
        var dir = SharedData.RequireModel("stories260K");
        var free = SingleContinuation(dir, "Once upon a time", "--max-new-tokens", "30");
        var stop = "little";
        var at = free.IndexOf(stop, StringComparison.Ordinal);
        Assert.True(at > 0, free);

        var stopped = SingleContinuation(dir, "Once upon a time", "--max-new-tokens", "30", "--stop", "never§", "--stop", stop);

        Assert.StartsWith(free[..(at + stop.Length)], stopped);
        Assert.True(stopped.Length < free.Length, stopped);
        Assert.True(free.StartsWith(stopped, StringComparison.Ordinal), stopped);
    }

    [SkippableFact]
    public void BeamSearchIsDeterministicAndUsesTheBeams()
    {
        var dir = SharedData.RequireModel("stories260K");
        var beams = SingleContinuation(dir, "Lily and Tom", "--num-beams", "4", "--length-penalty", "0.8");
        Assert.Equal(beams, SingleContinuation(dir, "Lily and Tom", "--num-beams", "4", "--length-penalty", "0.8"));
        Assert.True(beams.Length > 5, beams);
        using var temp = new TempDir();
        var file = Path.Combine(temp.Path, "p.txt");
        File.WriteAllLines(file, ["Lily and Tom", "The cat"]);
        var (code, output, error) = CliRunner.Run("generate", "--model", dir, "--prompts-file", file, "--max-new-tokens", "10", "--num-beams", "4", "--length-penalty", "0.8");
        Assert.True(code == 0, error);
        Assert.Equal(beams, JsonLines(output)[0].Text);
    }

    [SkippableFact]
    public void ATinyMaxTimeStopsEarlyAndSaysSo()
    {
        var dir = SharedData.RequireModel("stories260K");
        var (code, output, error) = CliRunner.Run("generate", "--model", dir, "--prompt", "Once upon a time", "--max-new-tokens", "50", "--max-time", "0.000001");
        Assert.True(code == 0, error);
        Assert.StartsWith("Once upon a time", output);
        Assert.Contains("warning: stopped after 1 of 50 new tokens: --max-time", error);
    }

    [SkippableTheory]
    [InlineData("--repetition-penalty", "0", "--repetition-penalty")]
    [InlineData("--repetition-penalty", "-2", "--repetition-penalty")]
    [InlineData("--max-time", "-1", "--max-time")]
    [InlineData("--num-beams", "0", "--num-beams")]
    [InlineData("--length-penalty", "NaN", "--length-penalty")]
    [InlineData("--stop", "", "--stop")]
    [InlineData("--num-beams", "many", "--num-beams")]
    [InlineData("--max-time", "soon", "--max-time")]
    public void BadValuesAreUsageErrorsNamingTheFlagBeforeTheModelIsOpened(string flag, string value, string named)
    {
        using var model = GenerateCommandTests.StoriesWithGarbageWeights();
        var (code, output, error) = CliRunner.Run("generate", "--model", model.Path, "--prompt", "hi", flag, value);
        Assert.Equal(TuneSharp.Cli.CliApp.UsageExitCode, code);
        Assert.Equal("", output);
        Assert.Contains(named, error);
        Assert.DoesNotContain("_", error.Replace(model.Path, ""));   // flags, not the library's snake_case names
        Assert.DoesNotContain(" at TuneSharp", error);                // no stack trace
        Assert.DoesNotContain("model.safetensors", error);
    }

    [SkippableFact]
    public void BadPromptsFilesAndConflictingFlagsAreUsageErrors()
    {
        using var model = GenerateCommandTests.StoriesWithGarbageWeights();
        using var temp = new TempDir();
        var bad = Path.Combine(temp.Path, "bad.jsonl");
        File.WriteAllLines(bad, ["{\"prompt\": \"ok\"}", "{\"text\": \"no prompt\"}"]);
        var cases = new (string[] Args, string Expected)[]
        {
            (["--prompts-file", bad], "line 2 has no string \"prompt\""),
            (["--prompts-file", Path.Combine(temp.Path, "missing.txt")], "does not exist"),
            (["--prompts-file", bad, "--prompt", "hi"], "either --prompt or --prompts-file"),
            (["--prompts-file", bad, "--num-beams", "2", "--do-sample"], "--num-beams is 2"),
        };
        foreach (var (args, expected) in cases)
        {
            var (code, output, error) = CliRunner.Run(["generate", "--model", model.Path, .. args]);
            Assert.Equal(TuneSharp.Cli.CliApp.UsageExitCode, code);
            Assert.Equal("", output);
            Assert.Contains(expected, error);
        }
    }
}
