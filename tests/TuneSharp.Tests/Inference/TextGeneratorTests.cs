using TuneSharp.Tasks.CausalLm;
using TuneSharp.Architectures.Llama;
using TuneSharp.Inference;
using TuneSharp.Models;
using TuneSharp.Tests.Models;
using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Inference;

/// <summary>Greedy and sampled generation with stories260K, streaming ids and text.</summary>
public class TextGeneratorTests
{
    private static readonly int[] Bos = [1];

    [SkippableFact]
    public void GreedyTextStreamsTheGoldenContinuation()
    {
        var (model, _) = GoldenFiles.LoadStories();
        var prompt = GoldenFiles.Read("stories260K", "golden_greedy.json")["prompt_case"]!;
        var tokenizer = TextTokenizer.FromPretrained(SharedData.RequireModel("stories260K"));
        Assert.Equal(GoldenFiles.Ints(prompt["input_ids"]), tokenizer.Encode(prompt["prompt"]!.GetValue<string>()).InputIds);

        var pieces = new TextGenerator(model, tokenizer)
            .GenerateText(prompt["prompt"]!.GetValue<string>(), new GenerationOptions { MaxNewTokens = 16 })
            .ToList();
        Assert.Equal(prompt["decoded_continuation"]!.GetValue<string>(), string.Concat(pieces));
        Assert.True(pieces.Count > 8, "text should stream in pieces, not arrive at once");
        Assert.All(pieces, p => Assert.NotEmpty(p));
    }

    [SkippableFact]
    public void SameSeedGivesSameIdsAndOtherSeedsDiffer()
    {
        var (model, _) = GoldenFiles.LoadStories();
        var generator = new TextGenerator(model);
        int[] Sample(long seed) => generator.GenerateIds(Bos, new GenerationOptions { MaxNewTokens = 30, DoSample = true, Seed = seed }).ToArray();

        var first = Sample(7);
        Assert.Equal(first, Sample(7));
        var others = new[] { 8L, 9, 10, 11 }.Select(Sample).ToList();
        Assert.Contains(others, o => !o.SequenceEqual(first));
    }

    [SkippableFact]
    public void TopKOneAndTinyTopPSamplingEqualGreedy()
    {
        var (model, _) = GoldenFiles.LoadStories();
        var generator = new TextGenerator(model);
        var greedy = generator.GenerateIds(Bos, new GenerationOptions { MaxNewTokens = 24 }).ToArray();
        var topK1 = generator.GenerateIds(Bos, new GenerationOptions { MaxNewTokens = 24, DoSample = true, TopK = 1, Seed = 3, Temperature = 1.7 }).ToArray();
        var topP = generator.GenerateIds(Bos, new GenerationOptions { MaxNewTokens = 24, DoSample = true, TopP = 1e-6, Seed = 4 }).ToArray();
        Assert.Equal(greedy, topK1);
        Assert.Equal(greedy, topP);
    }

    [SkippableFact]
    public void StopsAfterAStopToken()
    {
        var (model, _) = GoldenFiles.LoadStories();
        var golden = GoldenFiles.Ints(GoldenFiles.Read("stories260K", "golden_greedy.json")["generated_token_ids"]);
        var ids = new TextGenerator(model).GenerateIds(Bos, new GenerationOptions { StopTokenIds = [golden[4]] }).ToArray();
        Assert.Equal(golden[..5], ids);
    }

    [Fact]
    public void GenerationIsLazyAndRestoresTrainMode()
    {
        var model = new CausalLanguageModel(TinyModels.Llama());
        model.train();
        var generator = new TextGenerator(model);
        var ids = generator.GenerateIds([1, 2, 3], new GenerationOptions { MaxNewTokens = 50, StopTokenIds = [] });
        Assert.True(model.training); // nothing runs until enumerated
        var firstThree = ids.Take(3).ToArray();
        Assert.Equal(3, firstThree.Length);
        Assert.True(model.training);
        Assert.Equal(50, ids.Count());
        Assert.True(model.training);
    }

    [Fact]
    public void InvalidOptionsAreRejectedWithTheOptionName()
    {
        var generator = new TextGenerator(new CausalLanguageModel(TinyModels.Llama()));
        var e = Assert.Throws<TuneSharpException>(() => generator.GenerateIds([1], new GenerationOptions { DoSample = true, Temperature = 0 }));
        Assert.Contains("temperature", e.Message);
        Assert.Contains("top_p", Assert.Throws<TuneSharpException>(() => generator.GenerateIds([1], new GenerationOptions { TopP = 0 })).Message);
        Assert.Throws<TuneSharpException>(() => generator.GenerateIds([], new GenerationOptions()));
    }
}
