using System.Text.Json.Nodes;
using TuneSharp.Inference;
using TuneSharp.Tasks.CausalLm;
using TuneSharp.Tests.Models;

namespace TuneSharp.Tests.Inference;

/// <summary>
/// Repetition penalty, beam search and left-padded batches against what transformers 4.40's generate() returned for the
/// same settings (Fixtures/make_generation_fixtures.py): one tiny checkpoint per decoder family and stories260K, token
/// for token.
/// </summary>
public class GenerationGoldenTests
{
    private static readonly string FixturesRoot = Path.Combine(AppContext.BaseDirectory, "Inference", "Fixtures");
    private static readonly Lazy<JsonObject> Golden =
        new(() => JsonNode.Parse(File.ReadAllText(Path.Combine(FixturesRoot, "generation_golden.json")))!["models"]!.AsObject());

    public static TheoryData<string> Models => new() { "llama/llama-gqa", "gpt2/gpt2-tied-odd-heads", "gpt_neox/neox-full-rotary", "stories260K" };

    private static CausalLanguageModel Load(string name) => name == "stories260K"
        ? GoldenFiles.LoadStories().Model
        : AutoModelForCausalLM.FromPretrained(Path.Combine(AppContext.BaseDirectory, "Architectures", "Fixtures", name, "causal")).Model;

    private static IEnumerable<JsonNode> Cases(string model, string kind) => Golden.Value[model]!.AsArray().Where(c => (string)c!["case"]! == kind)!;

    private static GenerationOptions Options(JsonNode c) => new()
    {
        MaxNewTokens = (int)c["max_new_tokens"]!,
        StopTokenIds = [(int)c["eos_token_id"]!],
        RepetitionPenalty = (double?)c["repetition_penalty"] ?? 1.0,
        NumBeams = (int?)c["num_beams"] ?? 1,
        LengthPenalty = (double?)c["length_penalty"] ?? 1.0,
        EarlyStopping = (bool?)c["early_stopping"] ?? false,
    };

    [SkippableTheory]
    [MemberData(nameof(Models))]
    public void RepetitionPenaltyGreedyMatchesTransformers(string model) => AssertSingleCases(model, "repetition_penalty");

    [SkippableTheory]
    [MemberData(nameof(Models))]
    public void BeamSearchWithThreeBeamsMatchesTransformers(string model) => AssertSingleCases(model, "beam3");

    [SkippableTheory]
    [MemberData(nameof(Models))]
    public void BeamSearchWithFourBeamsAndLengthPenaltyMatchesTransformers(string model) => AssertSingleCases(model, "beam4_lp08");

    [SkippableTheory]
    [MemberData(nameof(Models))]
    public void BeamSearchWhereBeamsFinishEarlyMatchesTransformers(string model) => AssertSingleCases(model, "beam3_eos");

    [SkippableTheory]
    [MemberData(nameof(Models))]
    public void BeamSearchWithFinishedBeamsAndALengthPenaltyMatchesTransformers(string model) => AssertSingleCases(model, "beam4_eos_lp");

    [SkippableTheory]
    [MemberData(nameof(Models))]
    public void BeamSearchWithEarlyStoppingMatchesTransformers(string model) => AssertSingleCases(model, "beam3_eos_early");

    [SkippableTheory]
    [MemberData(nameof(Models))]
    public void BeamSearchWithEachOfManyTokensAsEosMatchesTransformers(string model) => AssertSingleCases(model, "beam_eos_sweep");

    [SkippableTheory]
    [MemberData(nameof(Models))]
    public void LeftPaddedBatchMatchesTransformersAndEachRowAlone(string model)
    {
        var generator = new TextGenerator(Load(model));
        foreach (var c in Cases(model, "batch"))
        {
            var prompts = GoldenFiles.IntRows(c["prompts"]);
            var expected = GoldenFiles.IntRows(c["rows"]);
            foreach (var useCache in new[] { true, false })
            {
                var options = Options(c) with { UseCache = useCache };
                var results = generator.GenerateBatch(prompts, options);
                Assert.Equal(expected.Length, results.Count);
                for (var row = 0; row < expected.Length; row++)
                {
                    Assert.Equal(expected[row], results[row].Tokens);
                    Assert.Equal(generator.GenerateIds(prompts[row], options).ToArray(), results[row].Tokens);
                }
            }
        }
    }

    private static void AssertSingleCases(string model, string kind)
    {
        var generator = new TextGenerator(Load(model));
        var cases = Cases(model, kind).ToList();
        Assert.NotEmpty(cases);
        foreach (var c in cases)
        {
            var expected = GoldenFiles.Ints(c["tokens"]);
            var actual = generator.GenerateIds(GoldenFiles.Ints(c["prompt"]), Options(c)).ToArray();
            Assert.True(expected.SequenceEqual(actual),
                $"{model} {kind} prompt [{string.Join(", ", GoldenFiles.Ints(c["prompt"]))}]: transformers [{string.Join(", ", expected)}], TuneSharp [{string.Join(", ", actual)}]");
            var stopped = expected.Length < (int)c["max_new_tokens"]!;
            Assert.Equal(stopped ? GenerationStopReason.StopToken : GenerationStopReason.MaxNewTokens, generator.LastGeneration!.StopReason);
            // Without the KV cache (the whole sequence every step, beams reordered by their tokens alone) nothing changes
            // (checked on the main cases; the sweep only varies the stop token).
            if (kind != "beam_eos_sweep")
                Assert.Equal(expected, generator.GenerateIds(GoldenFiles.Ints(c["prompt"]), Options(c) with { UseCache = false }).ToArray());
        }
    }
}
