using TuneSharp.Tasks.CausalLm;
using TuneSharp.Architectures.Llama;
using TuneSharp.Inference;
using TuneSharp.Models;
using TuneSharp.Tests.Models;
using TuneSharp.Tokenization;

namespace TuneSharp.Tests.Inference;

/// <summary>
/// Generation never runs past the model's context window (max_position_embeddings): it stops there and says why,
/// refuses a prompt that leaves no room, and truncates the prompt from the left when asked.
/// </summary>
public class ContextWindowTests
{
    // TinyModels.Llama(): max_position_embeddings 64, bos 1, eos 2.
    private const int Context = 64;

    private static int[] Prompt(int length, bool startWithBos = true) =>
        Enumerable.Range(0, length).Select(i => i == 0 && startWithBos ? 1 : 3 + i % 30).ToArray();

    [Fact]
    public void ConfigsExposeMaxPositionEmbeddingsAsTheirContext()
    {
        Assert.Equal(64, TinyModels.Llama().MaxPositions);
        Assert.Equal(32, TinyModels.Bert().MaxPositions);
        Assert.Equal(777, PretrainedConfig.FromJson("""{"model_type": "llama", "max_position_embeddings": 777}""").MaxPositions);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GenerationStopsExactlyAtTheWindow_WithAndWithoutTheCache(bool useCache)
    {
        var generator = new TextGenerator(new CausalLanguageModel(TinyModels.Llama()));
        var options = new GenerationOptions { MaxNewTokens = 10, StopTokenIds = [], UseCache = useCache };

        var ids = generator.GenerateIds(Prompt(60), options).ToArray();

        Assert.Equal(Context - 60, ids.Length);
        var report = generator.LastGeneration!;
        Assert.Equal(GenerationStopReason.ContextWindow, report.StopReason);
        Assert.Equal(4, report.GeneratedTokens);
        Assert.True(report.Prompt.StopsAtContext);
        Assert.Equal(0, report.Prompt.DroppedTokens);
    }

    [Fact]
    public void CacheAndNoCacheAgreeUpToTheLastPositionOfTheWindow()
    {
        var generator = new TextGenerator(new CausalLanguageModel(TinyModels.Llama()));
        var prompt = Prompt(1);
        int[] Run(bool cache) => generator.GenerateIds(prompt, new GenerationOptions { MaxNewTokens = Context - 1, StopTokenIds = [], UseCache = cache }).ToArray();

        var cached = Run(true);
        Assert.Equal(GenerationStopReason.MaxNewTokens, generator.LastGeneration!.StopReason);
        Assert.Equal(Context - 1, cached.Length);   // the whole window, prompt included, and not one token more
        Assert.Equal(cached, Run(false));
    }

    [Fact]
    public void AFittingRequestEndsWithMaxNewTokensAndAStopTokenWithStopToken()
    {
        var generator = new TextGenerator(new CausalLanguageModel(TinyModels.Llama()));
        Assert.Equal(5, generator.GenerateIds(Prompt(10), new GenerationOptions { MaxNewTokens = 5, StopTokenIds = [] }).Count());
        Assert.Equal(GenerationStopReason.MaxNewTokens, generator.LastGeneration!.StopReason);

        var first = generator.GenerateIds(Prompt(10), new GenerationOptions { MaxNewTokens = 1, StopTokenIds = [] }).Single();
        var stopped = generator.GenerateIds(Prompt(10), new GenerationOptions { MaxNewTokens = 5, StopTokenIds = [first] }).ToArray();
        Assert.Equal([first], stopped);
        Assert.Equal(GenerationStopReason.StopToken, generator.LastGeneration!.StopReason);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(100)]
    public void APromptThatFillsTheWindowIsRefusedWithItsLengthAndTheContext(int promptLength)
    {
        var generator = new TextGenerator(new CausalLanguageModel(TinyModels.Llama()));

        var e = Assert.Throws<TuneSharpException>(() => generator.GenerateIds(Prompt(promptLength), new GenerationOptions { MaxNewTokens = 8 }));

        Assert.Contains($"The prompt has {promptLength} tokens", e.Message);
        Assert.Contains($"context window is {Context} tokens", e.Message);
        Assert.Contains("truncate_prompt", e.Message);
        Assert.Contains($"last {Context - 8} tokens", e.Message);
    }

    [Fact]
    public void MaxNewTokensThatCannotFitIsRefusedFromTheConfigAlone()
    {
        var config = TinyModels.Llama();
        var e = Assert.Throws<TuneSharpException>(() => new GenerationOptions { MaxNewTokens = Context }.Validate(config));
        Assert.Contains("max_new_tokens is 64", e.Message);
        Assert.Contains($"context window (max_position_embeddings in config) is {Context} tokens", e.Message);
        Assert.Contains($"at most {Context - 1} new tokens", e.Message);
        new GenerationOptions { MaxNewTokens = Context - 1 }.Validate(config);

        var generator = new TextGenerator(new CausalLanguageModel(config));
        Assert.Throws<TuneSharpException>(() => generator.GenerateIds([1], new GenerationOptions { MaxNewTokens = 100_000 }));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TruncatePromptKeepsExactlyTheLastTokens_AndALeadingBos(bool startsWithBos)
    {
        var generator = new TextGenerator(new CausalLanguageModel(TinyModels.Llama()));
        var prompt = Prompt(100, startsWithBos);
        var options = new GenerationOptions { MaxNewTokens = 10, StopTokenIds = [], TruncatePrompt = true };

        var ids = generator.GenerateIds(prompt, options).ToArray();

        var fit = generator.LastGeneration!.Prompt;
        int[] expected = startsWithBos ? [1, .. prompt[^(Context - 10 - 1)..]] : prompt[^(Context - 10)..];
        Assert.Equal(expected, fit.Ids);
        Assert.Equal(Context - 10, fit.Ids.Count);
        Assert.Equal(startsWithBos, fit.KeptBos);
        Assert.Equal(100 - (Context - 10), fit.DroppedTokens);
        Assert.Equal(10, ids.Length);
        Assert.Equal(GenerationStopReason.MaxNewTokens, generator.LastGeneration.StopReason);
        // The continuation is that of the kept tokens given directly.
        Assert.Equal(generator.GenerateIds(expected, options with { TruncatePrompt = false }).ToArray(), ids);
    }

    [Fact]
    public void TruncatePromptLeavesAFittingPromptAlone()
    {
        var fit = PromptFit.For(Prompt(20), new GenerationOptions { MaxNewTokens = 10, TruncatePrompt = true }, TinyModels.Llama());
        Assert.Equal(Prompt(20), fit.Ids);
        Assert.Equal(0, fit.DroppedTokens);
        Assert.False(fit.StopsAtContext);
        Assert.Equal(10, fit.NewTokenRoom);
    }

    [Fact]
    public void OptionErrorsNameTheHuggingFaceSetting()
    {
        string Error(GenerationOptions o) => Assert.Throws<TuneSharpException>(o.Validate).Message;

        Assert.StartsWith("max_new_tokens ", Error(new() { MaxNewTokens = -1 }));
        Assert.StartsWith("temperature ", Error(new() { Temperature = double.NaN }));
        Assert.StartsWith("temperature ", Error(new() { Temperature = -0.5 }));
        Assert.StartsWith("temperature ", Error(new() { Temperature = double.PositiveInfinity, DoSample = true }));
        Assert.StartsWith("temperature ", Error(new() { Temperature = 0, DoSample = true }));
        Assert.StartsWith("top_k ", Error(new() { TopK = -1 }));
        Assert.StartsWith("top_p ", Error(new() { TopP = 0 }));
        Assert.StartsWith("top_p ", Error(new() { TopP = 1.5 }));
        Assert.StartsWith("top_p ", Error(new() { TopP = double.NaN }));
        new GenerationOptions { Temperature = 0 }.Validate();   // greedy ignores the temperature; 0 is fine there
    }

    [SkippableFact]
    public void Stories260K_StopsAtItsContextOf512()
    {
        var (model, _) = GoldenFiles.LoadStories();
        var tokenizer = TextTokenizer.FromPretrained(SharedData.RequireModel("stories260K"));
        var text = string.Concat(Enumerable.Repeat("Once upon a time, there was a little girl named Lily. She loved to play outside. ", 18));
        var promptLength = tokenizer.Encode(text).InputIds.Length;
        Assert.InRange(promptLength, 400, 500);
        var generator = new TextGenerator(model, tokenizer);

        var pieces = generator.GenerateText(text, new GenerationOptions { MaxNewTokens = 200, StopTokenIds = [] }).ToList();

        Assert.Equal(512, model.Config.MaxPositions);
        Assert.Equal(512 - promptLength, generator.LastGeneration!.GeneratedTokens);
        Assert.Equal(GenerationStopReason.ContextWindow, generator.LastGeneration.StopReason);
        Assert.NotEmpty(string.Concat(pieces));
    }

    [SkippableFact]
    public void Stories260K_ALongPromptIsRefusedOrTruncated()
    {
        var (model, _) = GoldenFiles.LoadStories();
        var tokenizer = TextTokenizer.FromPretrained(SharedData.RequireModel("stories260K"));
        var text = string.Concat(Enumerable.Repeat("Once upon a time, there was a little girl named Lily. She loved to play outside. ", 130))[..10_000];
        var promptIds = tokenizer.Encode(text).InputIds;
        var generator = new TextGenerator(model, tokenizer);

        var e = Assert.Throws<TuneSharpException>(() => generator.GenerateText(text, new GenerationOptions { MaxNewTokens = 16 }));
        Assert.Contains($"The prompt has {promptIds.Length} tokens", e.Message);
        Assert.Contains("context window is 512 tokens", e.Message);

        var continuation = string.Concat(generator.GenerateText(text, new GenerationOptions { MaxNewTokens = 16, TruncatePrompt = true, StopTokenIds = [] }));
        var fit = generator.LastGeneration!.Prompt;
        Assert.Equal([1, .. promptIds[^(512 - 16 - 1)..]], fit.Ids);
        Assert.Equal(16, generator.LastGeneration.GeneratedTokens);
        Assert.NotEmpty(continuation);
    }
}
