using System.Text.Json.Nodes;
using TuneSharp.Inference;
using TuneSharp.Models;
using TuneSharp.Tasks.CausalLm;
using TuneSharp.Tasks.QuestionAnswering;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tasks.TokenClassification;
using TuneSharp.Tests.Models;
using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Architectures;

/// <summary>
/// The decoders against transformers 4.40. Tiny checkpoints that transformers made and saved (the fixture scripts beside
/// this file, one per family, over <c>Fixtures/decoder_fixtures.py</c>: grouped-query and multi-query attention, tied and
/// untied heads, linear and dynamic rope scaling, Qwen2's q/k/v biases, Mistral's sliding window shorter than the
/// input, GPT-2's Conv1D weights stored [in, out] with its attention-scaling variants, ...), loaded from their folders as a user would, must give transformers' hidden states, language-model
/// logits and every head's logits on the same right-padded batch within 1e-4 (real tokens; transformers numbers padding
/// positions differently), its greedy continuation token for token with and without the KV cache, and the family's
/// tokenizer must give the slow transformers tokenizer's ids on tricky text.
/// </summary>
public sealed class DecoderGoldenTests
{
    private const double Tolerance = 1e-4;
    private static readonly string FixturesRoot = Path.Combine(AppContext.BaseDirectory, "Architectures", "Fixtures");
    private static readonly string[] FamilyNames = ["llama", "gpt_neox", "gpt2"];
    private static readonly Dictionary<string, JsonObject> Outputs = FamilyNames.ToDictionary(
        family => family, family => JsonNode.Parse(File.ReadAllText(Path.Combine(FixturesRoot, family, "outputs.json")))!.AsObject());

    /// <summary>(fixture family, shape folder) pairs: every shape of every family's outputs.json.</summary>
    public static TheoryData<string, string> Shapes()
    {
        var data = new TheoryData<string, string>();
        foreach (var family in FamilyNames)
            foreach (var shape in Outputs[family]["models"]!.AsObject())
                data.Add(family, shape.Key);
        return data;
    }

    /// <summary>The families whose fixtures have a tokenizer.</summary>
    public static TheoryData<string> TokenizerFamilies() => [.. FamilyNames.Where(f => Outputs[f]["tokenizer"] is JsonObject)];

    private static JsonObject Record(string family, string shape) => Outputs[family]["models"]![shape]!.AsObject();

    private static string Folder(string family, string shape, string part) => Path.Combine(FixturesRoot, family, shape, part);

    private static (Tensor Ids, Tensor Mask) Inputs(JsonObject record) =>
        (GoldenFiles.LongTensor(GoldenFiles.IntRows(record["input_ids"])), GoldenFiles.LongTensor(GoldenFiles.IntRows(record["attention_mask"])));

    /// <summary>Rows [B, T, ...] of <paramref name="values"/> at the mask's real tokens, flattened to [real tokens, ...].</summary>
    private static Tensor RealTokens(Tensor values, Tensor mask) => values[mask.to_type(ScalarType.Bool)];

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var diff = GoldenFiles.MaxAbsDiff(expected, actual);
        Assert.True(diff <= Tolerance, $"{what}: max |difference| {diff:G3} from transformers");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Causal_lm_gives_transformers_hidden_states_and_logits(string family, string shape)
    {
        var record = Record(family, shape);
        var (model, report) = AutoModelForCausalLM.FromPretrained(Folder(family, shape, "causal"));
        using var module = model;
        // Every tensor of transformers' file has its place, and nothing is left at its random init.
        Assert.True(report.IsClean, report.ToString());
        Assert.Equal(record["model_type"]!.GetValue<string>(), model.Config.ModelType);
        Assert.Equal(record["causal_class"]!.GetValue<string>(), model.Architecture.ClassName(ModelTask.CausalLm));
        var (ids, mask) = Inputs(record);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        AssertClose(RealTokens(GoldenFiles.Expected(record["last_hidden_state"]), mask), RealTokens(model.Backbone.Decode(ids, null, mask), mask),
            "last_hidden_state");
        AssertClose(RealTokens(GoldenFiles.Expected(record["logits"]), mask), RealTokens(model.Forward(ids, mask), mask), "logits");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Greedy_generation_gives_transformers_tokens_with_and_without_the_kv_cache(string family, string shape)
    {
        var greedy = Record(family, shape)["greedy"]!;
        var (model, _) = AutoModelForCausalLM.FromPretrained(Folder(family, shape, "causal"));
        using var module = model;
        var expected = GoldenFiles.Ints(greedy["output_ids"]);
        var generator = new TextGenerator(model);
        foreach (var useCache in new[] { true, false })
        {
            var options = new GenerationOptions { MaxNewTokens = greedy["new_tokens"]!.GetValue<int>(), StopTokenIds = [], UseCache = useCache };
            var tokens = generator.GenerateIds(GoldenFiles.Ints(greedy["prompt"]), options).ToArray();
            Assert.True(expected.SequenceEqual(tokens),
                $"{(useCache ? "with" : "without")} the cache: [{string.Join(", ", tokens)}], transformers [{string.Join(", ", expected)}]");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_head_loaded_from_its_folder_gives_transformers_logits(string family, string shape)
    {
        var record = Record(family, shape);
        var (ids, mask) = Inputs(record);
        var options = new SequenceClassificationOptions { RequireTrainedHead = true };
        var heads = 0;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        if (record["seq_class"] is { } seqClass)
        {
            var (sequence, report) = SequenceClassifierFactory.FromPretrained(Folder(family, shape, "seq"), options);
            Assert.True(report.IsClean, report.ToString());
            Assert.Equal(seqClass.GetValue<string>(), sequence.Config.Architectures![0]);
            AssertClose(GoldenFiles.Expected(record["seq_logits"]), sequence.Forward(ids, mask, null), "sequence-classification logits");
            heads++;
        }
        if (record["tok_class"] is not null)
        {
            var (token, report) = TokenClassifierFactory.FromPretrained(Folder(family, shape, "tok"), options);
            Assert.True(report.IsClean, report.ToString());
            AssertClose(RealTokens(GoldenFiles.Expected(record["tok_logits"]), mask), RealTokens(token.Forward(ids, mask, null), mask),
                "token-classification logits");
            heads++;
        }
        if (record["qa_class"] is not null)
        {
            var (qa, report) = QuestionAnsweringModelFactory.FromPretrained(Folder(family, shape, "qa"), options);
            Assert.True(report.IsClean, report.ToString());
            var (start, end) = qa.Forward(ids, mask, null);
            AssertClose(RealTokens(GoldenFiles.Expected(record["qa_start_logits"]), mask), RealTokens(start, mask), "start logits");
            AssertClose(RealTokens(GoldenFiles.Expected(record["qa_end_logits"]), mask), RealTokens(end, mask), "end logits");
            heads++;
        }
        Assert.True(heads > 0, "the fixture records no head");
    }

    [Theory]
    [MemberData(nameof(TokenizerFamilies))]
    public void Tokenizer_gives_the_slow_transformers_tokenizers_ids_on_tricky_text(string family)
    {
        var tokenizer = TextTokenizer.FromPretrained(Path.Combine(FixturesRoot, family, "tokenizer"));
        var cases = Outputs[family]["tokenizer"]!;
        foreach (var single in cases["single"]!.AsArray())
        {
            var text = single!["text"]!.GetValue<string>();
            var ids = tokenizer.Encode(text).InputIds;
            Assert.True(GoldenFiles.Ints(single["input_ids"]).SequenceEqual(ids), $"ids differ for \"{text}\": [{string.Join(", ", ids)}]");
        }
        foreach (var pair in cases["pairs"]!.AsArray())
        {
            var (a, b) = (pair!["a"]!.GetValue<string>(), pair["b"]!.GetValue<string>());
            var ids = tokenizer.Encode(a, b).InputIds;
            Assert.True(GoldenFiles.Ints(pair["input_ids"]).SequenceEqual(ids), $"ids differ for (\"{a}\", \"{b}\"): [{string.Join(", ", ids)}]");
        }
    }
}
