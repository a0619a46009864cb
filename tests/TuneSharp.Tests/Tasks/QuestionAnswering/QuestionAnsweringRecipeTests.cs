using System.Text.Json.Nodes;
using TuneSharp.Checkpoints;
using TuneSharp.Models;
using TuneSharp.Peft;
using TuneSharp.Recipes;
using TuneSharp.Tasks.QuestionAnswering;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Training;

namespace TuneSharp.Tests.Tasks.QuestionAnswering;

/// <summary>
/// The one fine-tuning recipe running extractive question answering end to end on a tiny BERT and a synthetic dataset:
/// it learns the span, writes a transformers QA model, windows long contexts, trains with every method, and answers
/// "no answer" for SQuAD v2.0 data.
/// </summary>
public sealed class QuestionAnsweringRecipeTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private sealed class NullCallback : ITrainerCallback;

    private FineTuningRunResult Train(string name, PeftOptions? peft = null, int maxLength = 24, int docStride = 6, int epochs = 6, double learningRate = 5e-3,
        double unanswerable = 0, Func<QuestionAnsweringRunOptions, QuestionAnsweringRunOptions>? change = null, List<string>? lines = null)
    {
        var model = TinyTextClassification.BaseModelFolder(_tmp.File("base"));
        var train = TinyQa.WriteJsonLines(_tmp.File($"{name}-train.jsonl"), TinyQa.Examples(240, seed: 1, unanswerable: unanswerable));
        var validation = TinyQa.WriteSquad(_tmp.File($"{name}-dev.json"), TinyQa.Examples(60, seed: 2, unanswerable: unanswerable));
        var test = TinyQa.WriteJsonLines(_tmp.File($"{name}-test.jsonl"), TinyQa.Examples(60, seed: 3, maxWords: 40, unanswerable: unanswerable));
        var options = new QuestionAnsweringRunOptions
        {
            ModelDir = model, TrainPath = train, ValidationPath = validation, TestPath = test, DocStride = docStride,
            Version2WithNegative = unanswerable > 0,
            Peft = peft ?? new PeftOptions(),
            Args = FineTuningDefaults.Arguments(_tmp.File(name)) with
            {
                NumTrainEpochs = epochs, LearningRate = learningRate, PerDeviceTrainBatchSize = 16, MaxLength = maxLength, Seed = 5,
                SaveStrategy = IntervalStrategy.No,
            },
        };
        return QuestionAnsweringFineTuning.Run(change?.Invoke(options) ?? options, new NullCallback(), (lines ?? []).Add);
    }

    [Fact]
    public void Full_fine_tuning_learns_the_span_and_writes_a_transformers_qa_model()
    {
        var lines = new List<string>();
        var result = Train("full", lines: lines);
        Assert.True(result.Validation["eval_exact_match"] > 90, $"eval_exact_match {result.Validation["eval_exact_match"]}");
        Assert.True(result.Validation["eval_f1"] >= result.Validation["eval_exact_match"]);
        Assert.Contains("eval_loss", result.Validation.Keys);
        // The test contexts run to 40 words: many need several 24-token windows, whose answers are put back together.
        Assert.True(result.Test!["test_exact_match"] > 80, $"test_exact_match {result.Test["test_exact_match"]}");
        Assert.Contains(lines, l => l.Contains("overlapping by 6 tokens (doc_stride)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("validation: 60 questions about", StringComparison.Ordinal));

        var config = PretrainedConfig.Load(result.OutputDir);
        Assert.Equal(["BertForQuestionAnswering"], config.Architectures);
        Assert.Equal(2, config.Id2Label!.Count);
        var names = ModelWeights.ReadInfos(result.OutputDir).Select(i => i.Name).ToHashSet();
        Assert.Contains("qa_outputs.weight", names);
        Assert.Contains("qa_outputs.bias", names);
        Assert.DoesNotContain(names, n => n.Contains("pooler", StringComparison.Ordinal));

        // The final model's answers, as run_qa.py writes them; scored again they give the reported numbers.
        var answers = JsonNode.Parse(File.ReadAllText(Path.Combine(result.OutputDir, "eval_predictions.json")))!.AsObject()
            .ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
        var dev = TuneSharp.Data.QuestionAnsweringData.Load(new TuneSharp.Data.QuestionAnsweringDataOptions { Path = _tmp.File("full-dev.json") });
        var rescored = TuneSharp.Evaluation.QuestionAnswering.SquadMetrics.ComputeV1(answers,
            dev.Examples.ToDictionary(e => e.Id, e => (IReadOnlyList<string>)e.Answers.Select(a => a.Text).ToArray()));
        Assert.Equal(result.Validation["eval_exact_match"], rescored.ExactMatch, 9);
        Assert.Equal(result.Validation["eval_f1"], rescored.F1, 9);
        Assert.Equal(60, JsonNode.Parse(File.ReadAllText(Path.Combine(result.OutputDir, "test_predictions.json")))!.AsObject().Count);
        Assert.False(File.Exists(Path.Combine(result.OutputDir, "eval_null_odds.json")));

        // What was saved loads as a QA model and answers as it did.
        var (reloaded, report) = QuestionAnsweringModelFactory.FromPretrained(result.OutputDir);
        Assert.True(report.IsClean, report.ToString());
        Assert.IsType<QuestionAnsweringModel>(reloaded);
    }

    [Theory]
    [InlineData(PeftMethod.Freeze)]
    [InlineData(PeftMethod.BitFit)]
    [InlineData(PeftMethod.Lora)]
    [InlineData(PeftMethod.Adapter)]
    [InlineData(PeftMethod.PromptTuning)]
    public void Every_method_trains_and_an_adapter_records_the_qa_task_and_saves_qa_outputs(PeftMethod method)
    {
        var peft = new PeftOptions { Method = method };
        if (method == PeftMethod.Freeze) peft = peft with { Freeze = new TuneSharp.Peft.Freeze.FreezeOptions { FreezeLayers = 1 } };
        var untrained = Train($"{method}-untrained", peft, epochs: 1, learningRate: 1e-9).Validation["eval_f1"];
        var result = Train(method.ToString(), peft, epochs: 8, learningRate: method == PeftMethod.Freeze ? 5e-3 : 2e-2);
        Assert.True(result.Validation["eval_f1"] > Math.Max(30, untrained + 20), $"{method}: eval_f1 {result.Validation["eval_f1"]} (untrained {untrained})");
        if (method is PeftMethod.Freeze or PeftMethod.BitFit)
        {
            Assert.Equal(["BertForQuestionAnswering"], PretrainedConfig.Load(result.OutputDir).Architectures);
            return;
        }
        var adapterConfig = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(result.OutputDir, AdapterFiles.ConfigFileName)))!;
        Assert.Equal("QUESTION_ANS", adapterConfig["task_type"]!.GetValue<string>());
        var tensors = SafeTensors.ReadHeader(Path.Combine(result.OutputDir, "adapter_model.safetensors")).Tensors.Select(i => i.Name).ToList();
        Assert.Contains(tensors, n => n.EndsWith("qa_outputs.weight", StringComparison.Ordinal));
        if (method == PeftMethod.Lora) Assert.Equal(["qa_outputs"], adapterConfig["modules_to_save"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public void Squad_v2_data_learns_to_answer_none_and_reports_the_v2_scores()
    {
        var result = Train("v2", epochs: 8, unanswerable: 0.3);
        foreach (var key in new[] { "eval_exact", "eval_f1", "eval_HasAns_exact", "eval_NoAns_exact", "eval_best_f1", "eval_best_f1_thresh" })
            Assert.Contains(key, result.Validation.Keys);
        Assert.True(result.Validation["eval_NoAns_exact"] > 70, $"NoAns_exact {result.Validation["eval_NoAns_exact"]}");
        Assert.True(result.Validation["eval_HasAns_exact"] > 70, $"HasAns_exact {result.Validation["eval_HasAns_exact"]}");
        var odds = JsonNode.Parse(File.ReadAllText(Path.Combine(result.OutputDir, "eval_null_odds.json")))!.AsObject();
        Assert.Equal(60, odds.Count);
    }

    [Fact]
    public void Questions_without_answers_need_version_2_with_negative()
    {
        var error = Assert.Throws<TuneSharpException>(() => Train("v2-refused", unanswerable: 0.3, change: o => o with { Version2WithNegative = false }));
        Assert.Equal("version_2_with_negative", error.Setting);
        Assert.Contains("have no answer", error.Message);
    }
}
