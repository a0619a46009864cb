using System.Text.Json;
using TuneSharp.Models;
using TuneSharp.Tests.Tasks.TextClassification;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Cli;

/// <summary>
/// Text pairs end to end: train with --text-pair-column and a --test file, evaluate and predict the pairs. The label
/// depends only on the second text ("good"/"bad" appear only in the pair), so a model that ignored the pairs would
/// score about 0.5.
/// </summary>
public class TextPairCliTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly string _model;

    public TextPairCliTests()
    {
        _model = TinyTextClassification.BaseModelFolder(_tmp.File("base"));
    }

    public void Dispose() => _tmp.Dispose();

    /// <summary>Rows "fillers / fillers with good|bad / pos|neg".</summary>
    private string WritePairs(string name, int count, int seed)
    {
        var random = new Random(seed);
        string Fillers() => string.Join(' ', Enumerable.Range(0, random.Next(1, 5)).Select(_ => TinyTextClassification.Fillers[random.Next(TinyTextClassification.Fillers.Length)]));
        var rows = Enumerable.Range(0, count).Select(i =>
        {
            var positive = i % 2 == 0;
            return $"{Fillers()}\t{Fillers()} {(positive ? "good" : "bad")} {Fillers()}\t{(positive ? "pos" : "neg")}";
        });
        var path = _tmp.File(name);
        File.WriteAllLines(path, ["premise\thypothesis\tlabel", .. rows]);
        return path;
    }

    [Fact]
    public void Pairs_train_evaluate_and_predict_with_the_same_scores_everywhere()
    {
        var train = WritePairs("train.tsv", 240, seed: 3);
        var dev = WritePairs("dev.tsv", 60, seed: 4);
        var test = WritePairs("test.tsv", 60, seed: 5);
        var output = _tmp.File("out");
        var (code, stdout, stderr) = CliRunner.Run("train", "--model", _model, "--train", train, "--validation", dev, "--test", test,
            "--text-column", "premise", "--text-pair-column", "hypothesis", "--output", output, "--learning-rate", "0.003",
            "--num-train-epochs", "4", "--per-device-train-batch-size", "16", "--seed", "5", "--max-length", "32");
        Assert.True(code == 0, stderr + stdout);
        double Metric(string file, string key) => JsonDocument.Parse(File.ReadAllText(Path.Combine(output, file))).RootElement.GetProperty(key).GetDouble();
        var testAccuracy = Metric("test_results.json", "test_accuracy");
        Assert.True(testAccuracy > 0.9, $"test accuracy {testAccuracy}: the pairs are not reaching the model");

        // evaluate reads the pairs the same way: the same accuracy and loss as the run's own evaluations.
        double Evaluated(string data, string key)
        {
            var (c, o, e) = CliRunner.Run("evaluate", "--model", output, "--data", data, "--text-column", "premise", "--text-pair-column", "hypothesis");
            Assert.True(c == 0, e + o);
            return double.Parse(o.Split('\n').Single(l => l.StartsWith(key + " = ", StringComparison.Ordinal))[(key.Length + 3)..], System.Globalization.CultureInfo.InvariantCulture);
        }
        Assert.Equal(testAccuracy, Evaluated(test, "eval_accuracy"), 4);
        Assert.Equal(Metric("eval_results.json", "eval_accuracy"), Evaluated(dev, "eval_accuracy"), 4);
        Assert.Equal(Metric("eval_results.json", "eval_loss"), Evaluated(dev, "eval_loss"), 4);
        // The premise alone says nothing about the label.
        var (sc, so, se) = CliRunner.Run("evaluate", "--model", output, "--data", test, "--text-column", "premise");
        Assert.True(sc == 0, se + so);
        var alone = double.Parse(so.Split('\n').Single(l => l.StartsWith("eval_accuracy = ", StringComparison.Ordinal))[16..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(alone < 0.75, $"accuracy {alone} without the pairs");

        // predict splits each line at the separator ("\t" typed as backslash-t works too).
        var lines = File.ReadAllLines(test).Skip(1).Select(l => l.Split('\t')).ToList();
        var input = _tmp.File("pairs.txt");
        File.WriteAllLines(input, lines.Select(l => $"{l[0]}\t{l[1]}"));
        var (pc, po, pe) = CliRunner.Run("predict", "--model", output, "--input", input, "--pair-separator", "\\t");
        Assert.True(pc == 0, pe + po);
        var predictions = po.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(lines.Count, predictions.Count);
        Assert.Equal(lines[0][1], predictions[0].GetProperty("text_pair").GetString());
        var correct = predictions.Zip(lines).Count(p => p.First.GetProperty("label").GetString() == p.Second[2]);
        Assert.Equal(testAccuracy, correct / (double)lines.Count, 4);
    }

    [Fact]
    public void A_predict_line_without_the_separator_is_named()
    {
        var input = _tmp.File("pairs.txt");
        File.WriteAllLines(input, ["w1 w2\tw3 good", "no separator here"]);
        var (code, _, stderr) = CliRunner.Run("predict", "--model", _model, "--input", input, "--pair-separator", "\\t");
        Assert.Equal(1, code);
        Assert.Contains("line 2 has no pair separator", stderr);
    }
}
