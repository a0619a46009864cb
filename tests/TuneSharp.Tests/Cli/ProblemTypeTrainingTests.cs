using System.Text.Json;
using TuneSharp.Architectures.Bert;
using TuneSharp.Models;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Cli;

/// <summary>
/// train → evaluate → predict through the CLI for multi-label classification and regression, on a tiny randomly
/// initialised BERT and synthetic data the model can learn in seconds: multi-label texts carry "good" (label
/// quality) and/or "fast" (label speed); the regression target is the number of "good" words.
/// </summary>
public class ProblemTypeTrainingTests : IDisposable
{
    private static readonly string[] Fillers = TinyTextClassification.Fillers;
    private static readonly string[] Vocab = new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "good", "fast" }.Concat(Fillers).ToArray();

    private readonly TempDir _tmp = new();
    private readonly string _model;

    public ProblemTypeTrainingTests()
    {
        _model = Path.Combine(_tmp.Path, "base");
        Directory.CreateDirectory(_model);
        manual_seed(1);
        var config = new BertConfig
        {
            VocabSize = Vocab.Length, HiddenSize = 16, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 32,
            MaxPositionEmbeddings = 64, HiddenDropoutProb = 0.0, AttentionProbsDropoutProb = 0.0,
        };
        using (var bert = new BertModel(config)) bert.SavePretrained(_model);
        File.WriteAllText(Path.Combine(_model, WordPieceTokenizer.VocabFileName), string.Join("\n", Vocab) + "\n");
    }

    /// <summary>Rows (text, label cell): "good" → quality, "fast" → speed, each example having at least one.</summary>
    private static List<(string Text, string Label)> MultiLabelRows(int count, int seed)
    {
        var random = new Random(seed);
        var rows = new List<(string, string)>();
        for (var i = 0; i < count; i++)
        {
            var (good, fast) = (i % 3) switch { 0 => (true, false), 1 => (false, true), _ => (true, true) };
            var words = Words(random);
            if (good) words.Insert(random.Next(words.Count + 1), "good");
            if (fast) words.Insert(random.Next(words.Count + 1), "fast");
            var labels = new List<string>();
            if (good) labels.Add("quality");
            if (fast) labels.Add("speed");
            rows.Add((string.Join(" ", words), string.Join(",", random.Next(2) == 0 ? labels : Enumerable.Reverse(labels))));
        }
        return rows;
    }

    /// <summary>Rows (text, target): the target is how many times "good" appears (0 to 3).</summary>
    private static List<(string Text, string Label)> RegressionRows(int count, int seed)
    {
        var random = new Random(seed);
        var rows = new List<(string, string)>();
        for (var i = 0; i < count; i++)
        {
            var goods = i % 4;
            var words = Words(random);
            for (var g = 0; g < goods; g++) words.Insert(random.Next(words.Count + 1), "good");
            rows.Add((string.Join(" ", words), goods.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        return rows;
    }

    private static List<string> Words(Random random) =>
        Enumerable.Range(0, random.Next(1, 7)).Select(_ => Fillers[random.Next(Fillers.Length)]).ToList();

    private string WriteTsv(string name, IEnumerable<(string Text, string Label)> rows)
    {
        var path = _tmp.File(name);
        File.WriteAllLines(path, new[] { "sentence\tlabel" }.Concat(rows.Select(r => $"{r.Text}\t{r.Label}")));
        return path;
    }

    private string[] TrainArgs(string output, string train, string dev, string problemType, int epochs = 6, params string[] extra) =>
    [
        "train", "--model", _model, "--train", train, "--validation", dev, "--text-column", "sentence", "--output", output,
        "--problem-type", problemType, "--learning-rate", "0.003", "--num-train-epochs", epochs.ToString(), "--per-device-train-batch-size", "16",
        "--seed", "5", "--max-length", "32", "--warmup-ratio", "0.1", .. extra,
    ];

    private static JsonElement ReadJson(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement;

    [Fact]
    public void MultiLabelTrainsEvaluatesAndPredicts()
    {
        // A non-default separator, to show it reaches both train and evaluate.
        var train = WriteTsv("train.tsv", MultiLabelRows(240, seed: 3).Select(r => (r.Text, r.Label.Replace(",", "|"))));
        var dev = WriteTsv("dev.tsv", MultiLabelRows(60, seed: 4).Select(r => (r.Text, r.Label.Replace(",", "|"))));
        var output = _tmp.File("out");
        var (code, stdout, stderr) = CliRunner.Run(TrainArgs(output, train, dev, "multi_label_classification", extra: ["--label-separator", "|"]));
        Assert.True(code == 0, stderr + stdout);

        var all = ReadJson(Path.Combine(output, "all_results.json"));
        foreach (var key in new[] { "eval_f1_micro", "eval_f1_macro", "eval_subset_accuracy", "eval_hamming_loss", "eval_loss" })
            Assert.True(all.TryGetProperty(key, out _), $"all_results.json lacks {key}");
        Assert.False(all.TryGetProperty("eval_accuracy", out _), "single-label metrics do not apply to multi-label");
        var subsetAccuracy = all.GetProperty("eval_subset_accuracy").GetDouble();
        Assert.True(subsetAccuracy >= 0.9, $"the label words should be learned; eval_subset_accuracy {subsetAccuracy}");
        Assert.True(all.GetProperty("eval_f1_micro").GetDouble() >= 0.95, stdout);
        Assert.True(all.GetProperty("eval_hamming_loss").GetDouble() <= 0.05, stdout);

        var config = ReadJson(Path.Combine(output, "config.json"));
        Assert.Equal("multi_label_classification", config.GetProperty("problem_type").GetString());
        Assert.Equal("quality", config.GetProperty("id2label").GetProperty("0").GetString());
        Assert.Equal("speed", config.GetProperty("id2label").GetProperty("1").GetString());

        // evaluate reads the saved problem_type and reproduces the final evaluation.
        var metricsPath = _tmp.File("metrics.json");
        var eval = CliRunner.Run("evaluate", "--model", output, "--data", dev, "--text-column", "sentence", "--label-separator", "|", "--output", metricsPath);
        Assert.True(eval.ExitCode == 0, eval.Err);
        var metrics = ReadJson(metricsPath);
        Assert.Equal("multi_label_classification", metrics.GetProperty("problem_type").GetString());
        Assert.Equal(subsetAccuracy, metrics.GetProperty("metrics").GetProperty("eval_subset_accuracy").GetDouble(), 10);
        Assert.Equal(all.GetProperty("eval_f1_micro").GetDouble(), metrics.GetProperty("metrics").GetProperty("eval_f1_micro").GetDouble(), 10);
        Assert.Equal(all.GetProperty("eval_loss").GetDouble(), metrics.GetProperty("metrics").GetProperty("eval_loss").GetDouble(), 4);

        // predict: sigmoid scores (independent, so they need not sum to 1) and every label at or above 0.5.
        var inputs = _tmp.File("inputs.txt");
        File.WriteAllLines(inputs, ["w1 good w2", "fast w3", "w4 fast w5 good"]);
        var predict = CliRunner.Run("predict", "--model", output, "--input", inputs);
        Assert.True(predict.ExitCode == 0, predict.Err);
        var lines = predict.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, lines.Count);
        string[][] expected = [["quality"], ["speed"], ["quality", "speed"]];
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(expected[i], lines[i].GetProperty("labels").EnumerateArray().Select(l => l.GetString()!).Order());
            var scores = lines[i].GetProperty("scores").EnumerateArray().ToDictionary(s => s.GetProperty("label").GetString()!, s => s.GetProperty("score").GetDouble());
            Assert.Equal(2, scores.Count);
            foreach (var (label, score) in scores)
            {
                Assert.InRange(score, 0, 1);
                Assert.Equal(expected[i].Contains(label), score >= 0.5);
            }
        }
    }

    [Fact]
    public void RegressionTrainsEvaluatesAndPredicts()
    {
        var train = WriteTsv("train.tsv", RegressionRows(240, seed: 3));
        var dev = WriteTsv("dev.tsv", RegressionRows(60, seed: 4));
        var output = _tmp.File("out");
        var (code, stdout, stderr) = CliRunner.Run(TrainArgs(output, train, dev, "regression", epochs: 20));
        Assert.True(code == 0, stderr + stdout);

        var all = ReadJson(Path.Combine(output, "all_results.json"));
        foreach (var key in new[] { "eval_mse", "eval_rmse", "eval_mae", "eval_r2", "eval_pearson", "eval_spearmanr", "eval_loss" })
            Assert.True(all.TryGetProperty(key, out _), $"all_results.json lacks {key}");
        var mse = all.GetProperty("eval_mse").GetDouble();
        // eval_loss is the MSE loss; the metric is computed from the same predictions in double precision.
        Assert.Equal(mse, all.GetProperty("eval_loss").GetDouble(), 4);
        // The targets 0..3 have variance 1.25: a model that learned nothing scores r2 ≈ 0, mse ≈ 1.25 (measured: r2 0.98, pearson 0.99).
        Assert.True(all.GetProperty("eval_r2").GetDouble() >= 0.9, stdout);
        Assert.True(all.GetProperty("eval_pearson").GetDouble() >= 0.95, stdout);
        Assert.Contains("targets 0 to 3, mean 1.5", stderr);

        var config = ReadJson(Path.Combine(output, "config.json"));
        Assert.Equal("regression", config.GetProperty("problem_type").GetString());
        Assert.Single(config.GetProperty("id2label").EnumerateObject());

        var metricsPath = _tmp.File("metrics.json");
        var eval = CliRunner.Run("evaluate", "--model", output, "--data", dev, "--text-column", "sentence", "--output", metricsPath);
        Assert.True(eval.ExitCode == 0, eval.Err);
        Assert.Equal(mse, ReadJson(metricsPath).GetProperty("metrics").GetProperty("eval_mse").GetDouble(), 6);
        Assert.Contains("eval_pearson = ", eval.Out);

        // predict: the value itself, close to the count of "good".
        var inputs = _tmp.File("inputs.txt");
        File.WriteAllLines(inputs, ["w1 w2 w3", "good w4", "good w5 good w6 good"]);
        var predict = CliRunner.Run("predict", "--model", output, "--input", inputs);
        Assert.True(predict.ExitCode == 0, predict.Err);
        var values = predict.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("value").GetDouble()).ToList();
        Assert.Equal(3, values.Count);
        Assert.InRange(values[0], -0.5, 0.5);
        Assert.InRange(values[1], 0.5, 1.5);
        Assert.InRange(values[2], 2.5, 3.5);
    }

    [Fact]
    public void NonNumericRegressionLabelNamesFileAndLine()
    {
        var train = WriteTsv("train.tsv", [("w1 good", "1"), ("w2", "0"), ("w3 good good", "two"), ("w4", "0.5")]);
        var (code, _, stderr) = CliRunner.Run(TrainArgs(_tmp.File("o"), train, train, "regression"));
        Assert.Equal(1, code);
        Assert.Contains(train, stderr);
        Assert.Contains("line 4", stderr);
        Assert.Contains("'two' is not a number", stderr);
    }

    [Fact]
    public void UnknownProblemTypeIsRejected()
    {
        var train = WriteTsv("train.tsv", [("w1 good", "1")]);
        var (code, _, stderr) = CliRunner.Run(TrainArgs(_tmp.File("o"), train, train, "multilabel"));
        Assert.NotEqual(0, code);
        Assert.Contains("multilabel", stderr);
    }

    public void Dispose() => _tmp.Dispose();
}
