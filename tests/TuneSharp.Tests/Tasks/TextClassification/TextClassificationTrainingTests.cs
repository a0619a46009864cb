using Xunit.Abstractions;
using TuneSharp.Tests.Training;
using System.Text.Json.Nodes;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Tasks.TextClassification;

/// <summary>End-to-end training of a tiny BERT classifier with the shared trainer.</summary>
[Collection(TorchRandomCollection.Name)]
public class TextClassificationTrainingTests(ITestOutputHelper log)
{
    private static TrainingArguments Args(string output, int seed = 42) => new()
    {
        OutputDir = output, PerDeviceTrainBatchSize = 16, PerDeviceEvalBatchSize = 32, NumTrainEpochs = 3, LearningRate = 1e-2,
        WarmupRatio = 0.1, LoggingSteps = 1, Seed = seed, EvalStrategy = IntervalStrategy.Epoch, SaveStrategy = IntervalStrategy.Epoch,
        SaveTotalLimit = 1, LoadBestModelAtEnd = true, MetricForBestModel = "accuracy", GroupByLength = true, MaxLength = 32,
    };

    [Fact]
    public void ATinyBertLearnsASeparableTaskAndWritesHuggingFaceOutputs()
    {
        using var dir = new TempDir();
        var output = Path.Combine(dir.Path, "out");
        using var model = TinyTextClassification.Model(initSeed: 0, dropout: 0.1);
        var task = TinyTextClassification.Task(model, dir.Path, TinyTextClassification.Dataset(192, seed: 1), TinyTextClassification.Dataset(100, seed: 99));
        var result = new Trainer(task, Args(output)).Train();

        log.WriteLine($"held-out accuracy {result.EvalMetrics["eval_accuracy"]}, eval_loss {result.EvalMetrics["eval_loss"]:F4}, train_loss {result.TrainLoss:F4}, {result.RuntimeSeconds:F2} s");
        Assert.Equal(36, result.GlobalStep); // 12 batches × 3 epochs: a few dozen steps
        Assert.True(result.EvalMetrics["eval_accuracy"] >= 0.9, $"held-out accuracy {result.EvalMetrics["eval_accuracy"]}");

        foreach (var file in new[] { "config.json", "model.safetensors", "vocab.txt", "training_args.json", "trainer_state.json",
                                     "eval_results.json", "train_results.json", "all_results.json" })
            Assert.True(File.Exists(Path.Combine(output, file)), file);

        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "trainer_state.json")))!.AsObject();
        Assert.Equal(36, state["global_step"]!.GetValue<int>());
        Assert.NotNull(state["best_metric"]);
        Assert.Contains("checkpoint-", state["best_model_checkpoint"]!.GetValue<string>());
        var history = state["log_history"]!.AsArray().Select(e => e!.AsObject()).ToList();
        var trainLogs = history.Where(e => e.ContainsKey("loss")).ToList();
        Assert.Equal(36, trainLogs.Count);
        Assert.All(trainLogs, e => Assert.True(e.ContainsKey("learning_rate") && e.ContainsKey("grad_norm") && e.ContainsKey("epoch") && e.ContainsKey("step")));
        var evals = history.Where(e => e.ContainsKey("eval_loss")).ToList();
        Assert.Equal(4, evals.Count); // one per epoch + the final evaluation
        Assert.All(evals, e => Assert.True(e.ContainsKey("eval_accuracy") && e.ContainsKey("eval_f1") && e.ContainsKey("epoch") && e.ContainsKey("step")));
        Assert.Contains(history, e => e.ContainsKey("train_runtime") && e.ContainsKey("train_loss"));

        var all = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "all_results.json")))!.AsObject();
        foreach (var key in new[] { "train_runtime", "train_samples_per_second", "train_steps_per_second", "train_loss", "epoch", "eval_accuracy", "eval_loss", "eval_f1" })
            Assert.True(all.ContainsKey(key), key);
        Assert.Equal(result.EvalMetrics["eval_accuracy"], all["eval_accuracy"]!.GetValue<double>());

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "config.json")))!.AsObject();
        Assert.Equal("pos", config["id2label"]!["1"]!.GetValue<string>());
        Assert.Single(Directory.GetDirectories(output, "checkpoint-*")); // save_total_limit 1 keeps only the best (which is also the newest or kept)
    }

    [Fact]
    public void TheSameSeedReproducesTheLossCurveBitForBitAndAnotherSeedDoesNot()
    {
        using var dir = new TempDir();
        var data = TinyTextClassification.Dataset(48, seed: 3);
        List<double> Losses(int seed, string name)
        {
            using var model = TinyTextClassification.Model(initSeed: 0, dropout: 0.2); // dropout exercises the seeded RNG
            var task = TinyTextClassification.Task(model, dir.Path, data);
            var trainer = new Trainer(task, new TrainingArguments
            {
                OutputDir = Path.Combine(dir.Path, name), PerDeviceTrainBatchSize = 8, NumTrainEpochs = 2, LearningRate = 1e-3,
                LoggingSteps = 1, Seed = seed, SaveStrategy = IntervalStrategy.No,
            });
            trainer.Train();
            return trainer.State.LogHistory.Where(e => e.ContainsKey("loss")).Select(e => e["loss"]).ToList();
        }
        var first = Losses(42, "a");
        var second = Losses(42, "b");
        var other = Losses(43, "c");
        Assert.Equal(12, first.Count);
        Assert.True(first.SequenceEqual(second), "same seed must give bitwise equal losses");
        Assert.False(first.SequenceEqual(other));
    }

    [Fact]
    public void EvaluateMatchesAOneBatchReference()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 5);
        var eval = TinyTextClassification.Dataset(37, seed: 11);
        var task = TinyTextClassification.Task(model, dir.Path, TinyTextClassification.Dataset(8, seed: 1), eval);
        var trainer = new Trainer(task, new TrainingArguments { OutputDir = dir.Path, PerDeviceEvalBatchSize = 5 });
        var metrics = trainer.Evaluate();

        // Reference: every eval example in one batch, loss and argmax computed directly.
        var tokenizer = TinyTextClassification.Tokenizer(dir.Path);
        var encodings = tokenizer.EncodeBatch(eval.Examples.Select(e => e.Text).ToList(), null,
            new TuneSharp.Tokenization.EncodeOptions { MaxLength = 32, Padding = TuneSharp.Tokenization.PaddingStrategy.Longest });
        var (ids, mask, types) = TuneSharp.Tokenization.EncodingTensors.ToTensors(encodings);
        model.eval();
        using var noGrad = no_grad();
        var logits = model.Forward(ids, mask, types);
        var labels = tensor(eval.Examples.Select(e => (long)eval.LabelId(e)).ToArray());
        var loss = SequenceClassificationLoss.CrossEntropy(logits, labels).item<float>();
        var accuracy = logits.argmax(1).eq(labels).to_type(ScalarType.Float64).mean().item<double>();

        Assert.Equal(loss, metrics["eval_loss"], 5);
        Assert.Equal(accuracy, metrics["eval_accuracy"], 12);
        Assert.Contains("eval_f1", metrics.Keys);
        Assert.Contains("eval_runtime", metrics.Keys);
    }

    [Fact]
    public void LabelCountMismatchIsRejected()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model();
        var threeLabels = new TuneSharp.Data.TextClassificationDataset(
            [new("good", null, "a", 1), new("bad", null, "b", 2), new("w1", null, "c", 3)], new TuneSharp.Data.LabelMap(["a", "b", "c"]));
        var error = Assert.Throws<SequenceClassificationException>(() => TinyTextClassification.Task(model, dir.Path, threeLabels));
        Assert.Contains("NumLabels = 3", error.Message);
    }
}
