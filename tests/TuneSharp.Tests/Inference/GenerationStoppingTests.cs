using TuneSharp.Inference;
using TuneSharp.Tasks.CausalLm;
using TuneSharp.Tests.Models;
using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Inference;

/// <summary>stop_strings, max_time, repetition_penalty's arithmetic, batches that stop row by row, and the new options' checks.</summary>
public class GenerationStoppingTests
{
    private const string Prompt = "Once upon a time";

    [SkippableFact]
    public void AStopStringSpanningTwoTokensStopsAfterTheTokenThatCompletesIt()
    {
        var (model, _) = GoldenFiles.LoadStories();
        var tokenizer = TextTokenizer.FromPretrained(SharedData.RequireModel("stories260K"));
        var generator = new TextGenerator(model, tokenizer);
        var promptIds = tokenizer.Encode(Prompt).InputIds;
        var free = generator.GenerateIds(promptIds, new GenerationOptions { MaxNewTokens = 30 }).ToArray();
        string Continuation(int tokens) => tokenizer.Decode([.. promptIds, .. free[..tokens]])[tokenizer.Decode(promptIds).Length..];

        // The first boundary with at least two characters on each side whose four characters occur nowhere before it.
        var (k, stop) = Enumerable.Range(1, free.Length - 2)
            .Select(k => (k, before: Continuation(k), after: Continuation(k + 1)))
            .Where(t => t.before.Length - Continuation(t.k - 1).Length >= 2 && t.after.Length - t.before.Length >= 2)
            .Select(t => (t.k, stop: t.after.Substring(t.before.Length - 2, 4)))
            .First(t => !Continuation(t.k).Contains(t.stop));

        var ids = generator.GenerateIds(promptIds, new GenerationOptions { MaxNewTokens = 30, StopStrings = ["never appears §", stop] }).ToArray();
        Assert.Equal(free[..(k + 1)], ids);
        Assert.Equal(GenerationStopReason.StopString, generator.LastGeneration!.StopReason);
        Assert.Equal(stop, generator.LastGeneration.StopString);

        var text = string.Concat(generator.GenerateText(Prompt, new GenerationOptions { MaxNewTokens = 30, StopStrings = [stop] }));
        Assert.Equal(Continuation(k + 1), text);
        Assert.EndsWith(stop, text[..(text.IndexOf(stop, StringComparison.Ordinal) + stop.Length)]);
    }

    [Fact]
    public void StopStringsNeedATokenizer()
    {
        var generator = new TextGenerator(new CausalLanguageModel(TinyModels.Llama()));
        var e = Assert.Throws<TuneSharpException>(() => generator.GenerateIds([1], new GenerationOptions { MaxNewTokens = 4, StopStrings = ["x"] }));
        Assert.Contains("stop_strings", e.Message);
    }

    [Fact]
    public void ATinyMaxTimeStopsAfterTheFirstTokenWithTheMaxTimeReason()
    {
        var generator = new TextGenerator(new CausalLanguageModel(TinyModels.Llama()));
        var ids = generator.GenerateIds([1, 2, 3], new GenerationOptions { MaxNewTokens = 20, StopTokenIds = [], MaxTime = 1e-9 }).ToArray();
        Assert.Single(ids);
        Assert.Equal(GenerationStopReason.MaxTime, generator.LastGeneration!.StopReason);

        var beams = generator.GenerateIds([1, 2, 3], new GenerationOptions { MaxNewTokens = 20, StopTokenIds = [], MaxTime = 1e-9, NumBeams = 2 }).ToArray();
        Assert.Single(beams);
        Assert.Equal(GenerationStopReason.MaxTime, generator.LastGeneration!.StopReason);

        // A generous budget changes nothing.
        var full = generator.GenerateIds([1, 2, 3], new GenerationOptions { MaxNewTokens = 20, StopTokenIds = [], MaxTime = 600 }).ToArray();
        Assert.Equal(20, full.Length);
        Assert.Equal(GenerationStopReason.MaxNewTokens, generator.LastGeneration!.StopReason);
    }

    [Fact]
    public void BeamSearchIsLazyAndRestoresTrainMode()
    {
        var model = new CausalLanguageModel(TinyModels.Llama());
        model.train();
        var generator = new TextGenerator(model);
        var ids = generator.GenerateIds([1, 2, 3], new GenerationOptions { MaxNewTokens = 6, StopTokenIds = [], NumBeams = 3 });
        Assert.Null(generator.LastGeneration!.StopReason); // nothing has run yet
        Assert.Equal(6, ids.Count());
        Assert.Equal(GenerationStopReason.MaxNewTokens, generator.LastGeneration.StopReason);
        Assert.True(model.training);
    }

    [Fact]
    public void RepetitionPenaltyDividesPositiveAndMultipliesNegativeScoresOfSeenIdsOnce()
    {
        using var scope = NewDisposeScope();
        var scores = tensor(new float[] { 2f, -2f, 1f, 0.5f, 3f, -1f }, [2, 3]);
        var penalised = RepetitionPenalty.Apply(scores, [[0, 1, 1], [2]], 2.0);
        Assert.Equal(new float[] { 1f, -4f, 1f, 0.5f, 3f, -2f }, penalised.data<float>().ToArray());
        Assert.Same(scores, RepetitionPenalty.Apply(scores, [[0], [1]], 1.0));
    }

    [SkippableFact]
    public void ABatchRowThatHitsAStopTokenIsPaddedWhileTheOthersGoOnAsAlone()
    {
        var (model, _) = GoldenFiles.LoadStories();
        var generator = new TextGenerator(model);
        int[][] prompts = [[1, 403, 407, 261, 378], [1, 365, 323], [1]];
        var free = generator.GenerateIds(prompts[0], new GenerationOptions { MaxNewTokens = 12, StopTokenIds = [] }).ToArray();
        var options = new GenerationOptions { MaxNewTokens = 12, StopTokenIds = [free[2]], RepetitionPenalty = 1.2 };

        var results = generator.GenerateBatch(prompts, options);

        Assert.Equal(GenerationStopReason.StopToken, results[0].StopReason);
        Assert.True(results.Any(r => r.Tokens.Count > results[0].Tokens.Count), "another row should run on after row 0 stops");
        for (var row = 0; row < prompts.Length; row++)
        {
            Assert.Equal(generator.GenerateIds(prompts[row], options).ToArray(), results[row].Tokens);
            Assert.Equal(generator.LastGeneration!.StopReason, results[row].StopReason);
        }
    }

    [SkippableFact]
    public void SampledBatchesAreReproducibleAndTopKOneEqualsGreedy()
    {
        var (model, _) = GoldenFiles.LoadStories();
        var generator = new TextGenerator(model);
        int[][] prompts = [[1, 403, 407], [1]];
        IReadOnlyList<int>[] Run(GenerationOptions o) => generator.GenerateBatch(prompts, o).Select(r => r.Tokens).ToArray();
        var sampled = new GenerationOptions { MaxNewTokens = 10, DoSample = true, Seed = 5, StopTokenIds = [] };
        Assert.Equal(Run(sampled), Run(sampled));
        Assert.Equal(Run(new GenerationOptions { MaxNewTokens = 10, StopTokenIds = [] }), Run(sampled with { TopK = 1 }));
    }

    public static TheoryData<GenerationOptions, string> BadOptions => new()
    {
        { new GenerationOptions { RepetitionPenalty = 0 }, "repetition_penalty" },
        { new GenerationOptions { RepetitionPenalty = -1.5 }, "repetition_penalty" },
        { new GenerationOptions { RepetitionPenalty = double.NaN }, "repetition_penalty" },
        { new GenerationOptions { MaxTime = 0 }, "max_time" },
        { new GenerationOptions { MaxTime = -3 }, "max_time" },
        { new GenerationOptions { NumBeams = 0 }, "num_beams" },
        { new GenerationOptions { LengthPenalty = double.PositiveInfinity }, "length_penalty" },
        { new GenerationOptions { StopStrings = ["ok", ""] }, "stop_strings" },
        { new GenerationOptions { NumBeams = 2, DoSample = true }, "num_beams" },
        { new GenerationOptions { NumBeams = 2, StopStrings = ["x"] }, "stop_strings" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void InvalidNewOptionsAreRejectedNamingTheOption(GenerationOptions options, string name)
    {
        var generator = new TextGenerator(new CausalLanguageModel(TinyModels.Llama()));
        var e = Assert.Throws<TuneSharpException>(() => generator.GenerateIds([1], options));
        Assert.Contains(name, e.Message);
        Assert.Equal(name, e.Setting);
        Assert.Throws<TuneSharpException>(() => generator.GenerateBatch([[1], [1, 2]], options));
    }
}
