using System.Text.Json.Nodes;
using TuneSharp.Checkpoints;
using TuneSharp.Models;
using TuneSharp.Peft;
using TuneSharp.Recipes;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Training;

namespace TuneSharp.Tests.Tasks.TokenClassification;

/// <summary>
/// The one fine-tuning recipe running token classification end to end on a tiny BERT and a synthetic NER dataset:
/// every fine-tuning method trains and evaluates, outputs have transformers' names, long sentences are windowed.
/// </summary>
public sealed class TokenClassificationRecipeTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private sealed class NullCallback : ITrainerCallback;

    private FineTuningRunResult Train(string name, PeftOptions? peft = null, int maxLength = 32, int epochs = 4, double learningRate = 5e-3,
        Func<TokenClassificationRunOptions, TokenClassificationRunOptions>? change = null, List<string>? lines = null)
    {
        var model = TinyTextClassification.BaseModelFolder(_tmp.File("base"));
        var train = TinyNer.WriteJsonLines(_tmp.File("train.jsonl"), TinyNer.Sentences(240, seed: 1));
        var validation = TinyNer.WriteConll(_tmp.File("dev.conll"), TinyNer.Sentences(60, seed: 2));
        var test = TinyNer.WriteJsonLines(_tmp.File("test.jsonl"), TinyNer.Sentences(60, seed: 3));
        var options = new TokenClassificationRunOptions
        {
            ModelDir = model, TrainPath = train, ValidationPath = validation, TestPath = test,
            Peft = peft ?? new PeftOptions(),
            Args = FineTuningDefaults.Arguments(_tmp.File(name)) with
            {
                NumTrainEpochs = epochs, LearningRate = learningRate, PerDeviceTrainBatchSize = 16, MaxLength = maxLength, Seed = 5,
                SaveStrategy = IntervalStrategy.No,
            },
        };
        return TokenClassificationFineTuning.Run(change?.Invoke(options) ?? options, new NullCallback(), (lines ?? []).Add);
    }

    [Fact]
    public void Full_fine_tuning_learns_the_entities_and_writes_a_transformers_token_classifier()
    {
        var lines = new List<string>();
        var result = Train("full", lines: lines);
        Assert.True(result.Validation["eval_f1"] > 0.9, $"eval_f1 {result.Validation["eval_f1"]}");
        Assert.True(result.Test!["test_f1"] > 0.9, $"test_f1 {result.Test["test_f1"]}");
        foreach (var key in new[] { "eval_precision", "eval_recall", "eval_accuracy", "eval_loss", "eval_PER_f1", "eval_LOC_number" })
            Assert.Contains(key, result.Validation.Keys);
        Assert.Contains(lines, l => l.StartsWith("labels: B-LOC, B-PER, I-PER, O", StringComparison.Ordinal));

        var config = PretrainedConfig.Load(result.OutputDir);
        Assert.Equal(["BertForTokenClassification"], config.Architectures);
        Assert.Equal(TinyNer.Labels, Enumerable.Range(0, 4).Select(i => config.Id2Label![i]));
        Assert.Null(config.ExtraFields["problem_type"]); // token classifiers have none
        var names = ModelWeights.ReadInfos(result.OutputDir).Select(i => i.Name).ToHashSet();
        Assert.Contains("classifier.weight", names);
        Assert.Contains("bert.encoder.layer.0.attention.self.query.weight", names);
        Assert.DoesNotContain(names, n => n.Contains("pooler", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(result.OutputDir, "test_results.json")));
    }

    [Theory]
    [InlineData(PeftMethod.Freeze)]
    [InlineData(PeftMethod.BitFit)]
    [InlineData(PeftMethod.Lora)]
    [InlineData(PeftMethod.Adapter)]
    [InlineData(PeftMethod.PromptTuning)]
    public void Every_method_trains_and_an_adapter_records_the_token_classification_task_and_saves_the_head(PeftMethod method)
    {
        var peft = new PeftOptions { Method = method };
        if (method == PeftMethod.Freeze) peft = peft with { Freeze = new TuneSharp.Peft.Freeze.FreezeOptions { FreezeLayers = 1 } };
        var result = Train(method.ToString(), peft, learningRate: method == PeftMethod.Freeze ? 5e-3 : 2e-2);
        Assert.True(result.Validation["eval_f1"] > 0.5, $"{method}: eval_f1 {result.Validation["eval_f1"]}");
        if (method is PeftMethod.Freeze or PeftMethod.BitFit)
        {
            Assert.Equal(["BertForTokenClassification"], PretrainedConfig.Load(result.OutputDir).Architectures);
            return;
        }
        var adapterConfig = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(result.OutputDir, AdapterFiles.ConfigFileName)))!;
        Assert.Equal("TOKEN_CLS", adapterConfig["task_type"]!.GetValue<string>());
        var tensors = SafeTensors.ReadHeader(Path.Combine(result.OutputDir, "adapter_model.safetensors")).Tensors.Select(i => i.Name).ToList();
        Assert.Contains(tensors, n => n.EndsWith("classifier.weight", StringComparison.Ordinal));
        if (method == PeftMethod.Lora) Assert.Equal(["classifier"], adapterConfig["modules_to_save"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public void Sentences_longer_than_max_length_are_windowed_and_every_word_is_scored()
    {
        var lines = new List<string>();
        // 30-word sentences in 12-token windows (10 words each beside [CLS] and [SEP]).
        var result = Train("windows", maxLength: 12, epochs: 8, lines: lines, change: o =>
        {
            var longTrain = TinyNer.WriteJsonLines(_tmp.File("long-train.jsonl"), TinyNer.Sentences(120, seed: 4, maxWords: 30).Where(s => s.Tokens.Length > 12));
            var longDev = TinyNer.WriteJsonLines(_tmp.File("long-dev.jsonl"), TinyNer.Sentences(60, seed: 5, maxWords: 30).Where(s => s.Tokens.Length > 12));
            return o with { TrainPath = longTrain, ValidationPath = longDev, TestPath = null };
        });
        Assert.Contains(lines, l => l.Contains("split into windows overlapping by 2 tokens (stride)", StringComparison.Ordinal));
        // Every gold entity of the dev file is counted (none was cut off), and the windows still learn them.
        var dev = TuneSharp.Data.TokenClassificationData.Load(new TuneSharp.Data.TokenClassificationDataOptions { Path = _tmp.File("long-dev.jsonl") });
        var entities = dev.Examples.SelectMany(e => e.Tags).Count(t => t.StartsWith("B-", StringComparison.Ordinal));
        Assert.Equal(entities, result.Validation["eval_PER_number"] + result.Validation["eval_LOC_number"]);
        Assert.True(result.Validation["eval_f1"] > 0.6, $"eval_f1 {result.Validation["eval_f1"]}");
    }
}
