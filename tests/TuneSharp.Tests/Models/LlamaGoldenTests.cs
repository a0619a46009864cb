using TuneSharp.Tasks.CausalLm;
using Xunit.Abstractions;
using TuneSharp.Inference;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Models;

/// <summary>stories260K reproduces the float64 reference forward passes in golden_greedy.json.</summary>
public class LlamaGoldenTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    [SkippableFact]
    public void LoadsCleanlyWithTiedHead()
    {
        var (model, report) = GoldenFiles.LoadStories();
        Assert.True(report.IsClean, report.ToString());
        Assert.True(model.TiedHead);
        // The checkpoint's explicit lm_head copy is not a second parameter: 260,032 distinct ones (README).
        Assert.Equal(260_032L, model.parameters().Sum(p => p.numel()));
        Assert.DoesNotContain("lm_head.weight", model.state_dict().Keys);
        Assert.True(GoldenFiles.Identical(model.InputEmbeddings.weight!, model.HeadWeight));
    }

    [SkippableFact]
    public void StepZeroLogitsMatch()
    {
        var (model, _) = GoldenFiles.LoadStories();
        var golden = GoldenFiles.Read("stories260K", "golden_greedy.json");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = model.Forward(GoldenFiles.LongTensor(new[] { 1 }))[0, 0];
        var expected = tensor(GoldenFiles.Doubles(golden["step0_full_logits"]));
        var diff = GoldenFiles.MaxAbsDiff(logits, expected);
        output.WriteLine($"step0 full logits max |diff| {diff:E2}");
        Assert.Equal(512, expected.shape[0]);
        Assert.True(diff <= Tolerance, $"step-0 logits differ by {diff}");
    }

    [SkippableFact]
    public void FirstEightStepsTopLogitsAndLogSumExpMatch_FullAndCached()
    {
        var (model, _) = GoldenFiles.LoadStories();
        var golden = GoldenFiles.Read("stories260K", "golden_greedy.json");
        var sequence = GoldenFiles.Ints(golden["full_sequence_token_ids"]);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var full = model.Forward(GoldenFiles.LongTensor(sequence[..8]))[0]; // [8, V]
        using var cache = model.CreateCache();
        double worst = 0;
        foreach (var stepNode in golden["top_logits_first8_steps"]!.AsArray())
        {
            var step = stepNode!["step"]!.GetValue<int>();
            Assert.Equal(sequence[step], stepNode["input_token"]!.GetValue<int>());
            var cached = model.Forward(GoldenFiles.LongTensor(new[] { sequence[step] }), cache: cache)[0, 0];
            foreach (var logits in new[] { full[step], cached })
            {
                Assert.Equal(stepNode["chosen_token"]!.GetValue<int>(), (int)logits.argmax().item<long>());
                var lse = logits.to_type(ScalarType.Float64).logsumexp(0).item<double>();
                worst = Math.Max(worst, Math.Abs(lse - stepNode["logsumexp"]!.GetValue<double>()));
                var values = GoldenFiles.Floats(logits);
                foreach (var top in stepNode["top10"]!.AsArray())
                    worst = Math.Max(worst, Math.Abs(values[top!["id"]!.GetValue<int>()] - top["logit"]!.GetValue<double>()));
                // The top-10 ids are the model's top 10 in order.
                var ids = logits.topk(10).indexes.data<long>().Select(i => (int)i).ToArray();
                Assert.Equal(stepNode["top10"]!.AsArray().Select(t => t!["id"]!.GetValue<int>()), ids);
            }
        }
        output.WriteLine($"first 8 steps: max |diff| of top-10 logits and logsumexp {worst:E2}");
        Assert.True(worst <= Tolerance, $"differs by {worst}");
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void Greedy64TokensFromBosAreIdentical(bool useCache)
    {
        var (model, _) = GoldenFiles.LoadStories();
        var golden = GoldenFiles.Read("stories260K", "golden_greedy.json");
        var generator = new TextGenerator(model);
        var ids = generator.GenerateIds([1], new GenerationOptions { MaxNewTokens = 64, UseCache = useCache }).ToArray();
        Assert.Equal(GoldenFiles.Ints(golden["generated_token_ids"]), ids);
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void PromptCaseSixteenTokensAreIdentical(bool useCache)
    {
        var (model, _) = GoldenFiles.LoadStories();
        var prompt = GoldenFiles.Read("stories260K", "golden_greedy.json")["prompt_case"]!;
        var generator = new TextGenerator(model);
        var ids = generator.GenerateIds(GoldenFiles.Ints(prompt["input_ids"]), new GenerationOptions { MaxNewTokens = 16, UseCache = useCache }).ToArray();
        Assert.Equal(GoldenFiles.Ints(prompt["generated_token_ids"]), ids);
    }

    [SkippableFact]
    public void TeacherForcedLossMatches()
    {
        var (model, _) = GoldenFiles.LoadStories();
        var golden = GoldenFiles.Read("stories260K", "golden_greedy.json");
        var forced = golden["teacher_forced"]!;
        var inputs = GoldenFiles.Ints(forced["input_ids"]);
        var labels = GoldenFiles.Ints(forced["labels"]);
        // The golden labels are pre-shifted (label t = input t+1); HF-style loss takes the unshifted sequence.
        Assert.Equal(inputs[1..], labels[..^1]);
        int[] sequence = [.. inputs, labels[^1]];

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = GoldenFiles.LongTensor(sequence);
        var logits = model.Forward(ids);
        var mean = CausalLmLoss.Compute(logits, ids).item<float>();
        var perToken = GoldenFiles.Floats(CausalLmLoss.PerToken(logits, ids)[0]);
        var expectedPerToken = GoldenFiles.Doubles(forced["per_token_nll_first8"]);
        var perTokenDiff = expectedPerToken.Select((e, i) => Math.Abs(e - perToken[i])).Max();
        output.WriteLine($"mean NLL {mean:F6} (golden {forced["mean_nll"]}), per-token max |diff| {perTokenDiff:E2}");
        Assert.Equal(forced["mean_nll"]!.GetValue<double>(), mean, Tolerance);
        Assert.True(perTokenDiff <= Tolerance, $"per-token NLL differs by {perTokenDiff}");
        Assert.Equal(64, perToken.Length);

        // Ignored labels (-100) are excluded from the mean.
        var masked = ids.clone();
        masked[0, TensorIndex.Slice(0, 33)] = tensor(-100L);
        var partial = CausalLmLoss.Compute(logits, masked).item<float>();
        Assert.Equal(perToken[32..].Average(), partial, 1e-5);
    }
}
