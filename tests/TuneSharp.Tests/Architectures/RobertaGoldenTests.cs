using System.Text.Json.Nodes;
using TuneSharp.Architectures.Roberta;
using TuneSharp.Checkpoints;
using TuneSharp.Models;
using TuneSharp.Tasks.QuestionAnswering;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tasks.TokenClassification;
using TuneSharp.Tests.Models;
using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Architectures;

/// <summary>
/// RoBERTa, XLM-RoBERTa and CamemBERT against transformers 4.40: tiny checkpoints that transformers made and saved
/// (<c>Fixtures/make_roberta_fixtures.py</c>: three shapes, among them an odd head count, gelu_new, two token types and
/// a pad id of 3, so positions start at 4), loaded from their folders as a user would, must give transformers' hidden
/// states, pooler output and every head's logits on the same padded batch within 1e-4, and the fixtures' byte-level BPE
/// tokenizer must give the slow RobertaTokenizer's ids exactly.
/// </summary>
public sealed class RobertaGoldenTests
{
    private const double Tolerance = 1e-4;
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Architectures", "Fixtures", "roberta");
    private static readonly JsonObject Outputs = JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "outputs.json")))!.AsObject();

    public static TheoryData<string> Shapes() => ["roberta", "xlm-roberta", "camembert"];

    private static JsonObject Record(string shape) => Outputs["models"]![shape]!.AsObject();

    private static (Tensor Ids, Tensor Mask, Tensor Types) Inputs(JsonObject record) =>
        (GoldenFiles.LongTensor(GoldenFiles.IntRows(record["input_ids"])), GoldenFiles.LongTensor(GoldenFiles.IntRows(record["attention_mask"])),
         GoldenFiles.LongTensor(GoldenFiles.IntRows(record["token_type_ids"])));

    private static Tensor Expected(JsonNode? node)
    {
        var rows = node!.AsArray();
        var flat = new List<double>();
        var shape = new List<long>();
        void Walk(JsonNode n, int depth)
        {
            if (n is JsonArray array)
            {
                if (shape.Count == depth) shape.Add(array.Count);
                foreach (var child in array) Walk(child!, depth + 1);
            }
            else flat.Add(n.GetValue<double>());
        }
        Walk(rows, 0);
        return tensor(flat.ToArray(), [.. shape]).to_type(ScalarType.Float32);
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var diff = GoldenFiles.MaxAbsDiff(expected, actual);
        Assert.True(diff <= Tolerance, $"{what}: max |difference| {diff:G3} from transformers");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Base_model_gives_transformers_hidden_states_and_pooler_output(string shape)
    {
        var record = Record(shape);
        var dir = Path.Combine(Root, shape, "base");
        var (model, report) = RobertaModel.FromPretrained(dir);
        using var disposeModel = model;
        Assert.Equal(record["model_type"]!.GetValue<string>(), model.Config.ModelType);
        Assert.True(report.IsClean, report.ToString());
        model.eval();
        var (ids, mask, types) = Inputs(record);
        using var noGrad = no_grad();
        using var output = model.forward(ids, mask, types);
        // Padding rows compute too (transformers gives them position pad_token_id as well), so every position is compared.
        AssertClose(Expected(record["last_hidden_state"]), output.LastHiddenState, "last_hidden_state");
        AssertClose(Expected(record["pooler_output"]), output.PoolerOutput!, "pooler_output");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_head_loaded_from_its_folder_gives_transformers_logits(string shape)
    {
        var record = Record(shape);
        var (ids, mask, types) = Inputs(record);
        var options = new SequenceClassificationOptions { RequireTrainedHead = true };
        using var noGrad = no_grad();

        var (sequence, sequenceReport) = SequenceClassifierFactory.FromPretrained(Path.Combine(Root, shape, "seq"), options);
        Assert.True(sequenceReport.IsClean, sequenceReport.ToString());
        var architecture = TuneSharp.Architectures.ModelArchitectures.Find(shape)!;
        foreach (var (key, task) in new[] { ("seq", ModelTask.SequenceClassification), ("tok", ModelTask.TokenClassification), ("qa", ModelTask.QuestionAnswering) })
            Assert.Equal(record[key + "_class"]!.GetValue<string>(), architecture.ClassName(task));
        AssertClose(Expected(record["seq_logits"]), sequence.Forward(ids, mask, types), "sequence-classification logits");

        var (token, tokenReport) = TokenClassifierFactory.FromPretrained(Path.Combine(Root, shape, "tok"), options);
        Assert.True(tokenReport.IsClean, tokenReport.ToString());
        AssertClose(Expected(record["tok_logits"]), token.Forward(ids, mask, types), "token-classification logits");

        var (qa, qaReport) = QuestionAnsweringModelFactory.FromPretrained(Path.Combine(Root, shape, "qa"), options);
        Assert.True(qaReport.IsClean, qaReport.ToString());
        var (start, end) = qa.Forward(ids, mask, types);
        AssertClose(Expected(record["qa_start_logits"]), start, "start logits");
        AssertClose(Expected(record["qa_end_logits"]), end, "end logits");
    }

    [Fact]
    public void Byte_level_bpe_tokenizer_gives_the_slow_roberta_tokenizers_ids_on_tricky_text()
    {
        var tokenizer = TextTokenizer.FromPretrained(Path.Combine(Root, "tokenizer"));
        Assert.Equal("byte-level BPE", tokenizer.Kind);
        var cases = Outputs["tokenizer"]!;
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
            // <s> A </s></s> B </s>, one token type throughout.
            Assert.All(encoding.TokenTypeIds, t => Assert.Equal(0, t));
        }
    }

    [Fact]
    public void Max_positions_leave_out_the_rows_below_pad_plus_one()
    {
        var config = (RobertaConfig)PretrainedConfig.Load(Path.Combine(Root, "camembert", "base"));
        Assert.Equal(3, config.PadTokenId);
        Assert.Equal(30 - 4, config.MaxPositions);
        using var model = new RobertaModel(config);
        using var tooLong = ones(1, config.MaxPositions + 1, dtype: ScalarType.Int64);
        var error = Assert.Throws<ArgumentException>(() => model.forward(tooLong));
        Assert.Contains("at most 26", error.Message);
    }
}
