using System.Text.Json;
using TuneSharp.Architectures.Bert;
using TuneSharp.Models;
using TuneSharp.Tests.Tasks.TextClassification;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Cli;

/// <summary>
/// The train → evaluate → predict loop through the CLI, on a tiny randomly initialised BERT and a synthetic,
/// separable dataset ("good" → pos, "bad" → neg), so it runs in seconds.
/// </summary>
public class TrainEvaluatePredictTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly string _model;
    private readonly string _train;
    private readonly string _dev;

    public TrainEvaluatePredictTests()
    {
        _model = TinyTextClassification.BaseModelFolder(Path.Combine(_tmp.Path, "base"));
        _train = WriteTsv("train.tsv", TinyTextClassification.Dataset(240, seed: 3));
        _dev = WriteTsv("dev.tsv", TinyTextClassification.Dataset(60, seed: 4));
    }

    private string WriteTsv(string name, TuneSharp.Data.TextClassificationDataset data)
    {
        var path = _tmp.File(name);
        File.WriteAllLines(path, new[] { "sentence\tlabel" }.Concat(data.Examples.Select(e => $"{e.Text}\t{e.Label}")));
        return path;
    }

    /// <summary>Arguments of a small training run; <paramref name="overrides"/> replace or add flags (an option may appear only once).</summary>
    private string[] TrainArgs(string output, params (string Flag, string? Value)[] overrides)
    {
        var flags = new List<(string Flag, string? Value)>
        {
            ("--task", "text-classification"), ("--model", _model), ("--train", _train), ("--validation", _dev),
            ("--text-column", "sentence"), ("--label-column", "label"), ("--output", output),
            ("--learning-rate", "0.003"), ("--num-train-epochs", "4"), ("--per-device-train-batch-size", "16"), ("--seed", "5"),
            ("--max-length", "32"), ("--warmup-ratio", "0.1"),
        };
        foreach (var o in overrides)
        {
            flags.RemoveAll(f => f.Flag == o.Flag);
            flags.Add(o);
        }
        return ["train", .. flags.SelectMany(f => f.Value is null ? new[] { f.Flag } : [f.Flag, f.Value])];
    }

    [Fact]
    public void TrainsEvaluatesAndPredicts()
    {
        var output = _tmp.File("out");
        var (code, stdout, stderr) = CliRunner.Run(TrainArgs(output));
        Assert.True(code == 0, stderr + stdout);

        // Hugging Face layout.
        foreach (var file in new[] { "config.json", "model.safetensors", "vocab.txt", "training_args.json", "trainer_state.json",
                     "eval_results.json", "train_results.json", "all_results.json" })
            Assert.True(File.Exists(Path.Combine(output, file)), $"{file} missing");
        using var all = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "all_results.json")));
        foreach (var key in new[] { "eval_accuracy", "eval_f1", "eval_loss", "train_runtime", "train_samples_per_second" })
            Assert.True(all.RootElement.TryGetProperty(key, out _), $"all_results.json lacks {key}");
        var accuracy = all.RootElement.GetProperty("eval_accuracy").GetDouble();
        Assert.True(accuracy >= 0.9, $"a separable task should be learned; eval_accuracy {accuracy}");
        Assert.Contains($"validation accuracy: {accuracy:0.0000}", stdout);
        Assert.Contains("trainable params: ", stderr);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "config.json")));
        Assert.Equal("neg", config.RootElement.GetProperty("id2label").GetProperty("0").GetString());
        Assert.Equal("BertForSequenceClassification", config.RootElement.GetProperty("architectures")[0].GetString());
        using var args = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "training_args.json")));
        Assert.Equal(0.003, args.RootElement.GetProperty("learning_rate").GetDouble());

        // evaluate: same data, same accuracy as the training run's final evaluation.
        var metricsPath = _tmp.File("metrics.json");
        var eval = CliRunner.Run("evaluate", "--model", output, "--data", _dev, "--text-column", "sentence", "--output", metricsPath);
        Assert.True(eval.ExitCode == 0, eval.Err);
        using var metrics = JsonDocument.Parse(File.ReadAllText(metricsPath));
        Assert.Equal(accuracy, metrics.RootElement.GetProperty("metrics").GetProperty("eval_accuracy").GetDouble(), 10);
        var matrix = metrics.RootElement.GetProperty("confusion_matrix");
        Assert.Equal(60, matrix.EnumerateArray().SelectMany(r => r.EnumerateArray()).Sum(c => c.GetInt32()));
        Assert.Contains("neg", eval.Out);

        // predict: one JSON line per input, labels from id2label, scores summing to 1.
        var inputs = _tmp.File("inputs.txt");
        File.WriteAllLines(inputs, ["w1 good w2", "w3 bad", "bad w4 w5 w6"]);
        var predict = CliRunner.Run("predict", "--model", output, "--input", inputs, "--top-k", "2");
        Assert.True(predict.ExitCode == 0, predict.Err);
        var lines = predict.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        var labels = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["pos", "neg", "neg"], labels.Select(l => l.GetProperty("label").GetString()));
        foreach (var l in labels)
            Assert.Equal(1.0, l.GetProperty("scores").EnumerateArray().Sum(s => s.GetProperty("score").GetDouble()), 6);
    }

    [Fact]
    public void ResumingFromTheFirstEpochsCheckpointEndsWithTheSameWeights()
    {
        // Run A trains 2 epochs (a checkpoint per epoch, dropout on); run B resumes A's epoch-1 checkpoint into a
        // new folder's copy and must end bit-identical: same optimizer state, RNG, schedule and remaining batches.
        var a = _tmp.File("run-a");
        var (code, _, stderr) = CliRunner.Run(TrainArgs(a, ("--num-train-epochs", "2"), ("--hidden-dropout-prob", "0.1")));
        Assert.True(code == 0, stderr);
        var checkpoints = Directory.GetDirectories(a, "checkpoint-*").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(["checkpoint-15", "checkpoint-30"], checkpoints); // 240 examples / batch 16 = 15 steps an epoch

        // B starts from a differently initialised base model, so only a real resume can reproduce A's weights.
        var otherBase = TinyTextClassification.BaseModelFolder(_tmp.File("other-base"), initSeed: 99);
        var b = _tmp.File("run-b");
        Directory.CreateDirectory(b);
        CopyDirectory(Path.Combine(a, "checkpoint-15"), Path.Combine(b, "checkpoint-15"));
        (code, _, stderr) = CliRunner.Run(TrainArgs(b, ("--model", otherBase), ("--num-train-epochs", "2"), ("--hidden-dropout-prob", "0.1"), ("--resume-from-checkpoint", "latest")));
        Assert.True(code == 0, stderr);

        var weightsA = TuneSharp.Checkpoints.SafeTensors.Load(Path.Combine(a, "model.safetensors"));
        var weightsB = TuneSharp.Checkpoints.SafeTensors.Load(Path.Combine(b, "model.safetensors"));
        Assert.Equal(weightsA.Keys.Order(), weightsB.Keys.Order());
        foreach (var (name, tensor) in weightsA)
            Assert.True(tensor.shape.SequenceEqual(weightsB[name].shape) && tensor.eq(weightsB[name]).all().item<bool>(), $"{name} differs after resume");
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    [Fact]
    public void TestSetIsEvaluatedIntoTestResults()
    {
        var output = _tmp.File("with-test");
        var (code, stdout, stderr) = CliRunner.Run(TrainArgs(output, ("--num-train-epochs", "1"), ("--test", _dev)));
        Assert.True(code == 0, stderr);
        using var test = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "test_results.json")));
        using var all = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "all_results.json")));
        // The test file here is the validation file, so its accuracy is the validation accuracy, and all_results has both.
        var testAccuracy = test.RootElement.GetProperty("test_accuracy").GetDouble();
        Assert.Equal(all.RootElement.GetProperty("eval_accuracy").GetDouble(), testAccuracy, 12);
        Assert.Equal(testAccuracy, all.RootElement.GetProperty("test_accuracy").GetDouble(), 12);
        Assert.Equal(60, test.RootElement.GetProperty("test_samples").GetDouble());
        Assert.Contains("test: ", stdout);
    }

    [Fact]
    public void TruncationIsCounted()
    {
        // Texts are 2..9 words plus [CLS]/[SEP]; at max_length 4 every text of 3+ words loses tokens.
        var (code, _, stderr) = CliRunner.Run(TrainArgs(_tmp.File("short"), ("--max-length", "4"), ("--num-train-epochs", "1")));
        Assert.True(code == 0, stderr);
        var train = TinyTextClassification.Dataset(240, seed: 3).Examples.Count(e => e.Text.Split(' ').Length > 2);
        var dev = TinyTextClassification.Dataset(60, seed: 4).Examples.Count(e => e.Text.Split(' ').Length > 2);
        Assert.Contains($"{train:N0} training and {dev:N0} validation examples are longer than max_length 4 tokens and were truncated", stderr);
    }

    [Fact]
    public void ImpossibleOptionsAreRejectedBeforeAnyWork()
    {
        var output = _tmp.File("never");
        var (code, _, stderr) = CliRunner.Run(TrainArgs(output, ("--learning-rate", "-1")));
        Assert.Equal(TuneSharp.Cli.CliApp.UsageExitCode, code);
        Assert.Contains("--learning-rate must be a non-negative number, got -1", stderr); // the flag, not the internal name
        Assert.False(Directory.Exists(output));

        (code, _, stderr) = CliRunner.Run(TrainArgs(output, ("--per-device-train-batch-size", "0")));
        Assert.Equal(TuneSharp.Cli.CliApp.UsageExitCode, code);
        Assert.Contains("--per-device-train-batch-size must be at least 1", stderr);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void ConfigFileProvidesArgumentsAndFlagsOverrideIt()
    {
        var yaml = _tmp.File("args.yaml");
        File.WriteAllText(yaml, "learning_rate: 0.5\nnum_train_epochs: 1\nlr_scheduler_type: cosine\n");
        var output = _tmp.File("out-yaml");
        var (code, _, stderr) = CliRunner.Run(TrainArgs(output, ("--config", yaml), ("--learning-rate", "0.002")));
        Assert.True(code == 0, stderr);
        using var args = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "training_args.json")));
        Assert.Equal(0.002, args.RootElement.GetProperty("learning_rate").GetDouble());   // flag wins
        Assert.Equal("cosine", args.RootElement.GetProperty("lr_scheduler_type").GetString()); // from the file
    }

    [Fact]
    public void UnknownConfigKeyIsNamed()
    {
        var json = _tmp.File("args.json");
        File.WriteAllText(json, """{"learning_rat": 0.001}""");
        var (code, _, stderr) = CliRunner.Run(TrainArgs(_tmp.File("o"), ("--config", json)));
        Assert.Equal(TuneSharp.Cli.CliApp.UsageExitCode, code);
        // With a config file the file's own (snake_case) names are kept.
        Assert.Contains("unknown training argument 'learning_rat' (did you mean 'learning_rate'?)", stderr);
    }

    [Fact]
    public void MissingColumnNamesTheFileAndTheColumns()
    {
        var (code, _, stderr) = CliRunner.Run(TrainArgs(_tmp.File("o"), ("--text-column", "review")));
        Assert.Equal(1, code);
        Assert.Contains(_train, stderr);
        Assert.Contains("review", stderr);
        Assert.Contains("sentence", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void UnseenLabelInValidationIsReportedWithItsLine()
    {
        var dev = _tmp.File("bad-dev.tsv");
        File.WriteAllLines(dev, ["sentence\tlabel", "w1 good\tpos", "w2 bad\tneutral"]);
        var (code, _, stderr) = CliRunner.Run(TrainArgs(_tmp.File("o"), ("--validation", dev)));
        Assert.Equal(1, code);
        Assert.Contains("line 3", stderr);
        Assert.Contains("neutral", stderr);
    }

    public void Dispose() => _tmp.Dispose();
}
