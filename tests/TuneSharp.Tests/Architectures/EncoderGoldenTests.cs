using System.Text.Json.Nodes;
using TuneSharp.Architectures;
using TuneSharp.Architectures.Roberta;
using TuneSharp.Checkpoints;
using TuneSharp.Models;
using TuneSharp.Tasks.QuestionAnswering;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tasks.TokenClassification;
using TuneSharp.Tests.Models;
using TuneSharp.Tokenization;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Architectures;

/// <summary>
/// The encoders added beside BERT against transformers 4.40: RoBERTa, XLM-RoBERTa, CamemBERT, DistilBERT, ELECTRA and
/// DeBERTa-v2/v3. Tiny checkpoints that transformers made and saved (<c>Fixtures/make_encoder_fixtures.py</c> and
/// <c>Fixtures/make_deberta_fixtures.py</c>: several shapes per family, among them odd head counts, gelu_new and relu, two
/// token types, a RoBERTa pad id of 3, so positions start at 4, ELECTRA's and DeBERTa's embedding_size below hidden_size,
/// and DeBERTa's disentangled attention in its v3 layout (log buckets, shared keys) and older ones (c2p only with clamped
/// distances and the convolution, p2c only), on a batch longer than the buckets),
/// loaded from their folders as a user would, must give transformers' hidden states, pooler output and every head's
/// logits on the same padded batch within 1e-4, and each family's tokenizer (byte-level BPE, WordPiece) must give the
/// slow transformers tokenizer's ids exactly on tricky text.
/// </summary>
public sealed class EncoderGoldenTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;
    private static readonly string FixturesRoot = Path.Combine(AppContext.BaseDirectory, "Architectures", "Fixtures");
    private static readonly Dictionary<string, JsonObject> Outputs = new[] { "roberta", "distilbert", "electra", "deberta-v2" }.ToDictionary(
        family => family, family => JsonNode.Parse(File.ReadAllText(Path.Combine(FixturesRoot, family, "outputs.json")))!.AsObject());

    /// <summary>(fixture family, shape folder) pairs.</summary>
    public static TheoryData<string, string> Shapes() => new()
    {
        { "roberta", "roberta" }, { "roberta", "xlm-roberta" }, { "roberta", "camembert" }, { "distilbert", "gelu" }, { "distilbert", "relu-odd-heads" },
        { "electra", "projected" }, { "electra", "same-width" },
        { "deberta-v2", "v3" }, { "deberta-v2", "v2-conv" }, { "deberta-v2", "p2c-buckets" },
    };

    public static TheoryData<string> Families() => ["roberta", "distilbert", "electra", "deberta-v2"];

    private static JsonObject Record(string family, string shape) => Outputs[family]["models"]![shape]!.AsObject();

    private static string Folder(string family, string shape, string part) => Path.Combine(FixturesRoot, family, shape, part);

    private static (Tensor Ids, Tensor Mask, Tensor Types) Inputs(JsonObject record) =>
        (GoldenFiles.LongTensor(GoldenFiles.IntRows(record["input_ids"])), GoldenFiles.LongTensor(GoldenFiles.IntRows(record["attention_mask"])),
         GoldenFiles.LongTensor(GoldenFiles.IntRows(record["token_type_ids"])));

    private void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var diff = GoldenFiles.MaxAbsDiff(expected, actual);
        output.WriteLine($"{what}: max |difference| {diff:E2}");
        Assert.True(diff <= Tolerance, $"{what}: max |difference| {diff:G3} from transformers");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Base_model_gives_transformers_hidden_states_and_pooler_output(string family, string shape)
    {
        var record = Record(family, shape);
        var dir = Folder(family, shape, "base");
        var config = PretrainedConfig.Load(dir);
        Assert.Equal(record["model_type"]!.GetValue<string>(), config.ModelType);
        var architecture = ModelArchitectures.For(config);
        var backbone = architecture.CreateBackbone(config, true);
        using var module = backbone.Module;
        var weights = ModelWeights.Load(dir);
        var report = StateDictLoader.LoadInto(module, weights, new StateDictLoadOptions
        {
            BaseModelPrefix = architecture.BaseModelPrefix, IgnoreUnexpected = architecture.IgnoreOnLoad,
        });
        foreach (var t in weights.Values) t.Dispose();
        // Every tensor of transformers' file has its place, and nothing is left at its random init.
        Assert.True(report.IsClean, report.ToString());
        module.eval();
        var (ids, mask, types) = Inputs(record);
        using var noGrad = no_grad();
        using var encoded = backbone.Forward(ids, null, mask, types);
        // Padding rows compute too (with the same positions as in transformers), so every position is compared.
        AssertClose(GoldenFiles.Expected(record["last_hidden_state"]), encoded.LastHiddenState, "last_hidden_state");
        if (record["pooler_output"] is { } pooled) AssertClose(GoldenFiles.Expected(pooled), encoded.PooledOutput!, "pooler_output");
        else Assert.Null(encoded.PooledOutput);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_head_loaded_from_its_folder_gives_transformers_logits(string family, string shape)
    {
        var record = Record(family, shape);
        var (ids, mask, types) = Inputs(record);
        var options = new SequenceClassificationOptions { RequireTrainedHead = true };
        var architecture = ModelArchitectures.Find(record["model_type"]!.GetValue<string>())!;
        foreach (var (key, task) in new[] { ("seq", ModelTask.SequenceClassification), ("tok", ModelTask.TokenClassification), ("qa", ModelTask.QuestionAnswering) })
            Assert.Equal(record[key + "_class"]!.GetValue<string>(), architecture.ClassName(task));
        using var noGrad = no_grad();

        var (sequence, sequenceReport) = SequenceClassifierFactory.FromPretrained(Folder(family, shape, "seq"), options);
        Assert.True(sequenceReport.IsClean, sequenceReport.ToString());
        AssertClose(GoldenFiles.Expected(record["seq_logits"]), sequence.Forward(ids, mask, types), "sequence-classification logits");

        var (token, tokenReport) = TokenClassifierFactory.FromPretrained(Folder(family, shape, "tok"), options);
        Assert.True(tokenReport.IsClean, tokenReport.ToString());
        AssertClose(GoldenFiles.Expected(record["tok_logits"]), token.Forward(ids, mask, types), "token-classification logits");

        var (qa, qaReport) = QuestionAnsweringModelFactory.FromPretrained(Folder(family, shape, "qa"), options);
        Assert.True(qaReport.IsClean, qaReport.ToString());
        var (start, end) = qa.Forward(ids, mask, types);
        AssertClose(GoldenFiles.Expected(record["qa_start_logits"]), start, "start logits");
        AssertClose(GoldenFiles.Expected(record["qa_end_logits"]), end, "end logits");
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Tokenizer_gives_the_slow_transformers_tokenizers_ids_on_tricky_text(string family)
    {
        var tokenizer = TextTokenizer.FromPretrained(Path.Combine(FixturesRoot, family, "tokenizer"));
        Assert.Equal(family == "roberta" ? "byte-level BPE" : "WordPiece", tokenizer.Kind);
        var cases = Outputs[family]["tokenizer"]!;
        foreach (var single in cases["single"]!.AsArray())
        {
            var text = single!["text"]!.GetValue<string>();
            Assert.True(GoldenFiles.Ints(single["input_ids"]).SequenceEqual(tokenizer.Encode(text).InputIds), $"ids differ for {text}");
        }
        foreach (var pair in cases["pairs"]!.AsArray())
        {
            var (a, b) = (pair!["a"]!.GetValue<string>(), pair["b"]!.GetValue<string>());
            var encoding = tokenizer.Encode(a, b);
            Assert.True(GoldenFiles.Ints(pair["input_ids"]).SequenceEqual(encoding.InputIds), $"ids differ for ({a}, {b})");
            // RoBERTa: <s> A </s></s> B </s>, one token type throughout.
            if (family == "roberta") Assert.All(encoding.TokenTypeIds, t => Assert.Equal(0, t));
        }
    }

    [Fact]
    public void Roberta_max_positions_leave_out_the_rows_below_pad_plus_one()
    {
        var config = (RobertaConfig)PretrainedConfig.Load(Folder("roberta", "camembert", "base"));
        Assert.Equal(3, config.PadTokenId);
        Assert.Equal(30 - 4, config.MaxPositions);
        using var model = new RobertaModel(config);
        using var tooLong = ones(1, config.MaxPositions + 1, dtype: ScalarType.Int64);
        var error = Assert.Throws<ArgumentException>(() => model.forward(tooLong));
        Assert.Contains("at most 26", error.Message);
    }
}
