using System.Text.Json;
using TuneSharp.Models;
using TuneSharp.Peft;
using TuneSharp.Peft.Lora;
using TuneSharp.Recipes;
using TuneSharp.Tasks.QuestionAnswering;
using TuneSharp.Tests.Tasks.QuestionAnswering;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Tokenization;
using TuneSharp.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Interop;

/// <summary>
/// A QA model trained by TuneSharp opens unchanged in Python: the committed script <c>Scripts/qa_logits.py</c> loads the
/// output folder with transformers 4.40's <c>AutoModelForQuestionAnswering</c> (or PEFT 0.10's
/// <c>PeftModel.from_pretrained</c> on it); token ids and segment ids must be equal and start/end logits within 1e-4.
/// </summary>
public sealed class QuestionAnsweringInteropTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-4;
    private readonly TempDir _tmp = new();

    private static readonly string[][] Pairs =
    [
        ["bad", "w3 w4 good w19 w5 w6"], ["  bad", "good w19 w1"], ["w2 bad?", "w7 w8 w9 w10 good w19 w11 unknownword"],
    ];

    // The pairs a test compares; the tiny RoBERTa's 38 positions hold the first two only (its byte-level BPE, learned
    // from a few sentences, spells "w7 w8 ..." nearly character by character).
    private string[][] _pairs = Pairs;

    public void Dispose() => _tmp.Dispose();

    [SkippableFact]
    public void A_fully_fine_tuned_tiny_bert_qa_model_loads_in_transformers_with_the_same_logits()
    {
        ReferencePython.Require();
        var folder = Train(new PeftOptions(), 5e-3);
        var reference = RunScript(["--model", folder]);
        Assert.Equal("BertForQuestionAnswering", reference.GetProperty("model_class").GetString());
        var loading = reference.GetProperty("loading");
        foreach (var key in new[] { "missing_keys", "unexpected_keys", "mismatched_keys" }) Assert.Equal(0, loading.GetProperty(key).GetArrayLength());
        AssertSameLogits(reference, PeftClassifierLoader.LoadTaskModel(folder, ModelTask.QuestionAnswering), folder);
    }

    [SkippableFact]
    public void A_lora_adapter_of_a_qa_model_loads_in_peft_as_question_ans_with_the_same_logits()
    {
        ReferencePython.Require();
        var folder = Train(new PeftOptions { Method = PeftMethod.Lora, Lora = new LoraOptions { R = 4, TargetModules = "all-linear" } }, 2e-2);
        var reference = RunScript(["--base", _tmp.File("base"), "--adapter", folder]);
        var loading = reference.GetProperty("loading");
        Assert.Equal("QUESTION_ANS", loading.GetProperty("task_type").GetString());
        Assert.Equal("PeftModelForQuestionAnswering", reference.GetProperty("model_class").GetString());
        var inFile = loading.GetProperty("keys_in_file").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(loading.GetProperty("keys_peft_saves").EnumerateArray().Select(e => e.GetString()!), inFile);
        Assert.Contains(inFile, n => n.Contains("qa_outputs", StringComparison.Ordinal));
        var model = PeftClassifierLoader.LoadTaskModel(folder, ModelTask.QuestionAnswering);
        // PEFT's merged model; and PEFT 0.10's own forward, which drops token_type_ids (see the script), equals TuneSharp
        // given all-zero segment ids: the adapter is read the same way, only that argument is lost there.
        AssertSameLogits(reference, model, folder);
        AssertSameLogits(reference, model, folder, rowsKey: "unmerged_rows", zeroSegments: true);
    }

    [SkippableTheory]
    [InlineData("roberta", "RobertaForQuestionAnswering")]
    [InlineData("distilbert", "DistilBertForQuestionAnswering")]
    [InlineData("electra", "ElectraForQuestionAnswering")]
    [InlineData("deberta-v2", "DebertaV2ForQuestionAnswering")]
    [InlineData("gpt_neox", "GPTNeoXForQuestionAnswering")]
    [InlineData("gpt2", "GPT2ForQuestionAnswering")]
    public void A_fully_fine_tuned_tiny_fixture_qa_model_loads_in_transformers_with_the_same_logits(string family, string modelClass)
    {
        ReferencePython.Require();
        _pairs = Pairs[..2];
        var folder = Train(new PeftOptions(), 5e-3, family: family);
        var reference = RunScript(["--model", folder]);
        Assert.Equal(modelClass, reference.GetProperty("model_class").GetString());
        var loading = reference.GetProperty("loading");
        foreach (var key in new[] { "missing_keys", "unexpected_keys", "mismatched_keys" }) Assert.Equal(0, loading.GetProperty(key).GetArrayLength());
        AssertSameLogits(reference, PeftClassifierLoader.LoadTaskModel(folder, ModelTask.QuestionAnswering), folder);
    }

    [SkippableFact]
    public void A_tiny_roberta_lora_adapter_with_peft_defaults_loads_in_peft_as_question_ans_with_the_same_logits()
    {
        ReferencePython.Require();
        _pairs = Pairs[..2];
        var folder = Train(new PeftOptions { Method = PeftMethod.Lora, Lora = new LoraOptions { R = 4 } }, 2e-2, family: "roberta");
        var reference = RunScript(["--base", _tmp.File("base"), "--adapter", folder]);
        var loading = reference.GetProperty("loading");
        Assert.Equal("QUESTION_ANS", loading.GetProperty("task_type").GetString());
        var inFile = loading.GetProperty("keys_in_file").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(loading.GetProperty("keys_peft_saves").EnumerateArray().Select(e => e.GetString()!), inFile);
        // PEFT's defaults for roberta: LoRA on query and value only, the head saved whole.
        Assert.Contains(inFile, n => n.Contains("attention.self.query.lora_A", StringComparison.Ordinal));
        Assert.DoesNotContain(inFile, n => n.Contains("attention.self.key.lora", StringComparison.Ordinal));
        Assert.Contains(inFile, n => n.Contains("qa_outputs", StringComparison.Ordinal));
        var model = PeftClassifierLoader.LoadTaskModel(folder, ModelTask.QuestionAnswering);
        AssertSameLogits(reference, model, folder);
        AssertSameLogits(reference, model, folder, rowsKey: "unmerged_rows", zeroSegments: true);
    }

    /// <summary>
    /// PEFT's gpt2 default (c_attn, a Conv1D there) on a QA model: PEFT merges the adapter with fan_in_fan_out into its
    /// [in, out] weights (merge_and_unload) and gives TuneSharp's logits, and so does its unmerged forward (GPT-2 takes no
    /// segment ids in either: its tokenizer returns none).
    /// </summary>
    [SkippableFact]
    public void A_tiny_gpt2_lora_adapter_with_peft_defaults_loads_in_peft_as_question_ans_and_merges_there_with_the_same_logits()
    {
        ReferencePython.Require();
        var folder = Train(new PeftOptions { Method = PeftMethod.Lora, Lora = new LoraOptions { R = 4 } }, 2e-2, family: "gpt2");
        var reference = RunScript(["--base", _tmp.File("base"), "--adapter", folder]);
        var loading = reference.GetProperty("loading");
        Assert.Equal("QUESTION_ANS", loading.GetProperty("task_type").GetString());
        var inFile = loading.GetProperty("keys_in_file").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(loading.GetProperty("keys_peft_saves").EnumerateArray().Select(e => e.GetString()!), inFile);
        Assert.Contains(inFile, n => n.Contains("attn.c_attn.lora_A", StringComparison.Ordinal));
        Assert.Contains(inFile, n => n.Contains("qa_outputs", StringComparison.Ordinal));
        var model = PeftClassifierLoader.LoadTaskModel(folder, ModelTask.QuestionAnswering);
        AssertSameLogits(reference, model, folder);
        AssertSameLogits(reference, model, folder, rowsKey: "unmerged_rows", zeroSegments: true);
    }

    private string Train(PeftOptions method, double learningRate, string? family = null)
    {
        var baseModel = family is not null ? InteropTraining.FixtureBase(_tmp.File("base"), family!) : TinyTextClassification.BaseModelFolder(_tmp.File("base"), initSeed: 3);
        var train = TinyQa.WriteJsonLines(_tmp.File("train.jsonl"), TinyQa.Examples(96, seed: 5));
        var result = QuestionAnsweringFineTuning.Run(new QuestionAnsweringRunOptions
        {
            ModelDir = baseModel, TrainPath = train, Peft = method, DocStride = 4,
            Args = FineTuningDefaults.Arguments(_tmp.File("out")) with { NumTrainEpochs = 2, LearningRate = learningRate, PerDeviceTrainBatchSize = 16, MaxLength = 24, Seed = 7, SaveStrategy = IntervalStrategy.No },
        }, new NullTrainerCallback(), _ => { });
        return result.OutputDir;
    }

    private JsonElement RunScript(string[] arguments)
    {
        var pairs = _tmp.File("pairs.json");
        File.WriteAllText(pairs, JsonSerializer.Serialize(_pairs));
        return ReferencePython.Run(ReferencePython.Script("qa_logits.py"), ["--pairs", pairs, .. arguments]).Json();
    }

    private void AssertSameLogits(JsonElement reference, ITaskModel model, string folder, string rowsKey = "rows", bool zeroSegments = false)
    {
        var qa = (IQuestionAnsweringModel)model;
        var tokenizer = TextTokenizer.FromPretrained(folder);
        var rows = reference.GetProperty(rowsKey).EnumerateArray().ToList();
        double worst = 0;
        Assert.Equal(_pairs.Length, rows.Count);
        for (int p = 0; p < _pairs.Length; p++)
        {
            var encoding = tokenizer.Encode(_pairs[p][0], _pairs[p][1]);
            Assert.Equal(rows[p].GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()), encoding.InputIds);
            Assert.Equal(rows[p].GetProperty("token_type_ids").EnumerateArray().Select(e => e.GetInt32()), encoding.TokenTypeIds);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var ids = tensor(encoding.InputIds.Select(i => (long)i).ToArray(), [1, encoding.Length]);
            var types = zeroSegments ? zeros_like(ids) : tensor(encoding.TokenTypeIds.Select(i => (long)i).ToArray(), [1, encoding.Length]);
            var (start, end) = qa.Forward(ids, ones_like(ids), types);
            foreach (var (name, ours) in new[] { ("start_logits", start), ("end_logits", end) })
            {
                var expected = rows[p].GetProperty(name).EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
                var values = ours[0].data<float>().ToArray();
                Assert.Equal(expected.Length, values.Length);
                for (int t = 0; t < expected.Length; t++) worst = Math.Max(worst, Math.Abs(expected[t] - values[t]));
            }
        }
        output.WriteLine($"{reference.GetProperty("model_class").GetString()} {rowsKey} (transformers {reference.GetProperty("transformers").GetString()}): max |logit diff| {worst:E2}");
        Assert.True(worst < Tolerance, $"max |logit diff| {worst} exceeds {Tolerance}");
    }
}
