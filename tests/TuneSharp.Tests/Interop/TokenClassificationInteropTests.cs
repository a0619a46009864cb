using System.Text.Json;
using TuneSharp.Models;
using TuneSharp.Peft;
using TuneSharp.Peft.Lora;
using TuneSharp.Recipes;
using TuneSharp.Tasks.TokenClassification;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Tests.Tasks.TokenClassification;
using TuneSharp.Tokenization;
using TuneSharp.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Interop;

/// <summary>
/// A token classifier trained by TuneSharp opens unchanged in Python: the committed script
/// <c>Scripts/token_classifier_logits.py</c> loads the output folder with transformers 4.40's
/// <c>AutoModelForTokenClassification</c> (or PEFT 0.10's <c>PeftModel.from_pretrained</c> on it) and the slow tokenizer with
/// <c>is_split_into_words=True</c>; token ids must be equal and logits within 1e-4 of TuneSharp's.
/// </summary>
public sealed class TokenClassificationInteropTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-4;
    private readonly TempDir _tmp = new();

    private static readonly string[][] Sentences =
    [
        ["good", "w19", "met", "bad", "w3"], ["W1", "GOOD", "w2", "w3", "w4", "bad", "!"], ["bad"], ["w5", "good", "w19", "unknownword"],
    ];

    public void Dispose() => _tmp.Dispose();

    [SkippableFact]
    public void A_fully_fine_tuned_tiny_bert_token_classifier_loads_in_transformers_with_the_same_logits()
    {
        ReferencePython.Require();
        var folder = Train(new PeftOptions(), 5e-3);
        var reference = RunScript(["--model", folder]);
        var loading = reference.GetProperty("loading");
        Assert.Equal("BertForTokenClassification", reference.GetProperty("model_class").GetString());
        foreach (var key in new[] { "missing_keys", "unexpected_keys", "mismatched_keys" }) Assert.Equal(0, loading.GetProperty(key).GetArrayLength());
        AssertSameLogits(reference, PeftClassifierLoader.LoadTaskModel(folder, ModelTask.TokenClassification), folder);
    }

    [SkippableFact]
    public void A_lora_adapter_of_a_token_classifier_loads_in_peft_as_token_cls_with_the_same_logits()
    {
        ReferencePython.Require();
        var folder = Train(new PeftOptions { Method = PeftMethod.Lora, Lora = new LoraOptions { R = 4, TargetModules = "all-linear" } }, 2e-2);
        var reference = RunScript(["--base", _tmp.File("base"), "--adapter", folder]);
        var loading = reference.GetProperty("loading");
        Assert.Equal("TOKEN_CLS", loading.GetProperty("task_type").GetString());
        Assert.Equal("PeftModelForTokenClassification", reference.GetProperty("model_class").GetString());
        Assert.Equal(Names(loading.GetProperty("keys_peft_saves")), Names(loading.GetProperty("keys_in_file")));
        Assert.Contains(Names(loading.GetProperty("keys_in_file")), n => n.Contains("classifier", StringComparison.Ordinal));
        AssertSameLogits(reference, PeftClassifierLoader.LoadTaskModel(folder, ModelTask.TokenClassification), folder);
    }

    [SkippableTheory]
    [InlineData("roberta", "RobertaForTokenClassification")]
    [InlineData("distilbert", "DistilBertForTokenClassification")]
    [InlineData("electra", "ElectraForTokenClassification")]
    [InlineData("deberta-v2", "DebertaV2ForTokenClassification")]
    [InlineData("gpt_neox", "GPTNeoXForTokenClassification")]
    [InlineData("gpt2", "GPT2ForTokenClassification")]
    public void A_fully_fine_tuned_tiny_fixture_token_classifier_loads_in_transformers_with_the_same_logits(string family, string modelClass)
    {
        ReferencePython.Require();
        var folder = Train(new PeftOptions(), 5e-3, family: family);
        var reference = RunScript(["--model", folder]);
        Assert.Equal(modelClass, reference.GetProperty("model_class").GetString());
        var loading = reference.GetProperty("loading");
        foreach (var key in new[] { "missing_keys", "unexpected_keys", "mismatched_keys" }) Assert.Equal(0, loading.GetProperty(key).GetArrayLength());
        AssertSameLogits(reference, PeftClassifierLoader.LoadTaskModel(folder, ModelTask.TokenClassification), folder);
    }

    private string Train(PeftOptions method, double learningRate, string? family = null)
    {
        var baseModel = family is not null ? InteropTraining.FixtureBase(_tmp.File("base"), family!) : TinyTextClassification.BaseModelFolder(_tmp.File("base"), initSeed: 3);
        var train = TinyNer.WriteJsonLines(_tmp.File("train.jsonl"), TinyNer.Sentences(96, seed: 5));
        var result = TokenClassificationFineTuning.Run(new TokenClassificationRunOptions
        {
            ModelDir = baseModel, TrainPath = train, Peft = method,
            Args = FineTuningDefaults.Arguments(_tmp.File("out")) with { NumTrainEpochs = 2, LearningRate = learningRate, PerDeviceTrainBatchSize = 16, MaxLength = 32, Seed = 7, SaveStrategy = IntervalStrategy.No },
        }, new NullTrainerCallback(), _ => { });
        return result.OutputDir;
    }

    private JsonElement RunScript(string[] arguments)
    {
        var sentences = _tmp.File("sentences.json");
        File.WriteAllText(sentences, JsonSerializer.Serialize(Sentences));
        var run = ReferencePython.Run(ReferencePython.Script("token_classifier_logits.py"), ["--sentences", sentences, .. arguments]);
        return run.Json();
    }

    private void AssertSameLogits(JsonElement reference, ITaskModel model, string folder)
    {
        var classifier = (ITokenClassifier)model;
        var tokenizer = TextTokenizer.FromPretrained(folder);
        var rows = reference.GetProperty("rows").EnumerateArray().ToList();
        double worst = 0;
        for (int s = 0; s < Sentences.Length; s++)
        {
            var encoding = tokenizer.EncodeWords(Sentences[s]);
            Assert.Equal(rows[s].GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()), encoding.InputIds);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var ids = tensor(encoding.InputIds.Select(i => (long)i).ToArray(), [1, encoding.Length]);
            var logits = classifier.Forward(ids, ones_like(ids), zeros_like(ids))[0];
            var expected = rows[s].GetProperty("logits").EnumerateArray().Select(r => r.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray()).ToArray();
            var ours = logits.data<float>().ToArray();
            for (int t = 0; t < expected.Length; t++)
                for (int l = 0; l < expected[t].Length; l++)
                    worst = Math.Max(worst, Math.Abs(expected[t][l] - ours[t * expected[t].Length + l]));
        }
        output.WriteLine($"{reference.GetProperty("model_class").GetString()} (transformers {reference.GetProperty("transformers").GetString()}): max |logit diff| {worst:E2}");
        Assert.True(worst < Tolerance, $"max |logit diff| {worst} exceeds {Tolerance}");
    }

    private static string[] Names(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();
}
