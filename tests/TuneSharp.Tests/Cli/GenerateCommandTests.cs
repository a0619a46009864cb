using System.Text.Json;

namespace TuneSharp.Tests.Cli;

public class GenerateCommandTests
{
    [SkippableFact]
    public void GreedyContinuationMatchesTheGoldenReference()
    {
        var dir = SharedData.RequireModel("stories260K");
        using var golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "golden_greedy.json")));
        var promptCase = golden.RootElement.GetProperty("prompt_case");
        var prompt = promptCase.GetProperty("prompt").GetString()!;
        var expected = promptCase.GetProperty("decoded_continuation").GetString()!;

        foreach (var cacheFlag in new[] { Array.Empty<string>(), new[] { "--no-cache" } })
        {
            var (code, output, error) = CliRunner.Run(["generate", "--model", dir, "--prompt", prompt, "--max-new-tokens", "16", .. cacheFlag]);
            Assert.True(code == 0, error);
            Assert.Equal(prompt + expected + Environment.NewLine, output);
        }
    }

    [SkippableFact]
    public void SamplingWithASeedIsReproducible()
    {
        var dir = SharedData.RequireModel("stories260K");
        string[] args = ["generate", "--model", dir, "--prompt", "Once upon a time", "--max-new-tokens", "24", "--temperature", "1.0", "--top-p", "0.95"];
        var a = CliRunner.Run([.. args, "--seed", "7"]);
        var b = CliRunner.Run([.. args, "--seed", "7"]);
        Assert.True(a.ExitCode == 0, a.Err);
        Assert.Equal(a.Out, b.Out);
        Assert.StartsWith("Once upon a time", a.Out);
        Assert.True(a.Out.Length > "Once upon a time".Length + 10, a.Out);
    }

    [SkippableFact]
    public void RejectsAnEncoderModel()
    {
        var dir = SharedData.RequireModel("all-MiniLM-L6-v2");
        var (code, _, error) = CliRunner.Run("generate", "--model", dir, "--prompt", "hi");
        Assert.Equal(1, code);
        Assert.Contains("model_type \"bert\" has no causal language model", error);
    }

    [SkippableFact]
    public void RejectsImpossibleOptions()
    {
        var dir = SharedData.RequireModel("stories260K");
        var (code, _, error) = CliRunner.Run("generate", "--model", dir, "--prompt", "hi", "--top-p", "1.5");
        Assert.Equal(1, code);
        Assert.Contains("top", error, StringComparison.OrdinalIgnoreCase);
    }
}
