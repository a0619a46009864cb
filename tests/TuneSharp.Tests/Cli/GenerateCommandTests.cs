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
        Assert.Equal(TuneSharp.Cli.CliApp.UsageExitCode, code);
        Assert.Contains("top", error, StringComparison.OrdinalIgnoreCase);
    }

    private const string Sentence = "Once upon a time, there was a little girl named Lily. She loved to play outside. ";

    /// <summary>
    /// stories260K's config and tokenizer beside a model.safetensors that is garbage: any check that still fails
    /// with its own message here ran before the weights were read.
    /// </summary>
    internal static TempDir StoriesWithGarbageWeights()
    {
        var source = SharedData.RequireModel("stories260K");
        var temp = new TempDir();
        foreach (var file in Directory.GetFiles(source).Where(f => Path.GetFileName(f) != "model.safetensors"))
            File.Copy(file, Path.Combine(temp.Path, Path.GetFileName(file)));
        File.WriteAllBytes(Path.Combine(temp.Path, "model.safetensors"), "this is not a safetensors file"u8.ToArray());
        return temp;
    }

    /// <summary>The option named as the CLI flag (the library's snake_case name, rewritten by the CLI), never the internal one.</summary>
    private static void AssertNames(string error, string snakeCase) =>
        Assert.True(snakeCase.Contains('_') ? error.Contains("--" + snakeCase.Replace('_', '-')) && !error.Contains(snakeCase) : error.Contains(snakeCase), error);

    [SkippableFact]
    public void TheGarbageWeightsFixtureDoesFailWhenTheWeightsAreRead()
    {
        using var model = StoriesWithGarbageWeights();
        var (code, _, error) = CliRunner.Run("generate", "--model", model.Path, "--prompt", "hi", "--max-new-tokens", "4");
        Assert.Equal(1, code);
        Assert.Contains("model.safetensors", error);
    }

    [SkippableFact]
    public void MaxNewTokensBeyondTheContextIsRefusedBeforeTheWeightsLoad()
    {
        using var model = StoriesWithGarbageWeights();
        foreach (var maxNew in new[] { "100000", "700", "512" })
        {
            var (code, output, error) = CliRunner.Run("generate", "--model", model.Path, "--prompt", "Once upon a time", "--max-new-tokens", maxNew);
            Assert.Equal(TuneSharp.Cli.CliApp.UsageExitCode, code);
            Assert.Equal("", output);
            AssertNames(error, "max_new_tokens");
            Assert.Contains(maxNew, error);
            Assert.Contains("is 512 tokens", error);
            Assert.Contains("at most 511 new tokens", error);
            Assert.DoesNotContain("model.safetensors", error);
        }
    }

    [SkippableTheory]
    [InlineData("--temperature", "NaN", "temperature")]
    [InlineData("--temperature", "-1", "temperature")]
    [InlineData("--top-p", "0", "top_p")]
    [InlineData("--top-p", "1.5", "top_p")]
    [InlineData("--top-k", "-1", "top_k")]
    [InlineData("--max-new-tokens", "-1", "max_new_tokens")]
    public void ImpossibleOptionsAreRefusedBeforeTheModelIsOpened(string flag, string value, string name)
    {
        using var model = StoriesWithGarbageWeights();
        var (code, _, error) = CliRunner.Run("generate", "--model", model.Path, "--prompt", "hi", flag, value);
        Assert.Equal(TuneSharp.Cli.CliApp.UsageExitCode, code);
        AssertNames(error, name);
        Assert.Contains(value, error);

        // Even a model that does not exist is not looked for (no folder check, no hub request).
        var missing = CliRunner.Run("generate", "--model", Path.Combine(model.Path, "missing"), "--prompt", "hi", flag, value);
        Assert.Equal(TuneSharp.Cli.CliApp.UsageExitCode, missing.ExitCode);
        AssertNames(missing.Err, name);
    }

    [SkippableFact]
    public void APromptThatFillsTheContextIsRefusedWithItsTokenCountBeforeTheWeightsLoad()
    {
        using var model = StoriesWithGarbageWeights();
        var prompt = string.Concat(Enumerable.Repeat(Sentence, 130))[..10_000];
        var tokens = TuneSharp.Tokenization.TextTokenizer.FromPretrained(model.Path).Encode(prompt).InputIds.Length;

        var (code, output, error) = CliRunner.Run("generate", "--model", model.Path, "--prompt", prompt);

        Assert.Equal(TuneSharp.Cli.CliApp.UsageExitCode, code);
        Assert.Equal("", output);
        Assert.Contains($"The prompt has {tokens} tokens", error);
        Assert.Contains("context window is 512 tokens", error);
        AssertNames(error, "truncate_prompt");
        Assert.Contains("last 448 tokens", error);   // 512 - the default 64 new tokens
    }

    [SkippableFact]
    public void TruncatePromptKeepsTheEndOfALongPromptAndSaysSo()
    {
        var dir = SharedData.RequireModel("stories260K");
        var prompt = string.Concat(Enumerable.Repeat(Sentence, 130))[..10_000];
        var tokens = TuneSharp.Tokenization.TextTokenizer.FromPretrained(dir).Encode(prompt).InputIds.Length;

        var (code, output, error) = CliRunner.Run("generate", "--model", dir, "--prompt", prompt, "--max-new-tokens", "16", "--truncate-prompt");

        Assert.True(code == 0, error);
        Assert.Contains($"warning: the prompt has {tokens} tokens; --truncate-prompt kept BOS and its last 495 tokens ({tokens - 496} dropped)", error);
        Assert.DoesNotContain("stopped after", error);
        Assert.StartsWith(prompt, output);
        Assert.True(output.Length > prompt.Length + 10, output[^100..]);
    }

    [SkippableFact]
    public void GenerationStopsAtTheContextWindowAndWarns()
    {
        var dir = SharedData.RequireModel("stories260K");
        // About 495 tokens: a few steps to the window, so the no-cache run (the whole sequence every step) stays short.
        var prompt = string.Concat(Enumerable.Repeat(Sentence, 19));
        var tokens = TuneSharp.Tokenization.TextTokenizer.FromPretrained(dir).Encode(prompt).InputIds.Length;
        Assert.InRange(tokens, 480, 510);

        foreach (var cacheFlag in new[] { Array.Empty<string>(), new[] { "--no-cache" } })
        {
            var (code, output, error) = CliRunner.Run(["generate", "--model", dir, "--prompt", prompt, "--max-new-tokens", "200", .. cacheFlag]);
            Assert.True(code == 0, error);
            Assert.StartsWith(prompt, output);
            Assert.Contains($"warning: stopped after {512 - tokens} of 200 new tokens: the prompt ({tokens} tokens)", error);
            Assert.Contains("context window of 512 tokens", error);
        }
    }
}
