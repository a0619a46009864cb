using System.Globalization;
using System.Text.Json;
using TuneSharp.Tests.Tasks.TextClassification;

namespace TuneSharp.Tests.Cli;

/// <summary>
/// <c>--long-text windows</c> end to end. The label's word ("good"/"bad") is always past the first window of a long
/// text, so a model that truncates never sees it and scores about 0.5, while windows find it; evaluate and predict on
/// the trained folder use the windows it was trained with (run_settings.json) and give the run's own scores.
/// </summary>
public class LongTextCliTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly string _model;

    public LongTextCliTests()
    {
        _model = TinyTextClassification.BaseModelFolder(_tmp.File("base"));
    }

    public void Dispose() => _tmp.Dispose();

    // 12 to 20 filler words, then the sentiment word and 0 to 2 more fillers: with --max-length 12 (10 text tokens) the
    // word is never among the first 10.
    private string WriteDocuments(string name, int count, int seed)
    {
        var random = new Random(seed);
        string Fillers(int min, int max) => string.Join(' ', Enumerable.Range(0, random.Next(min, max + 1)).Select(_ => TinyTextClassification.Fillers[random.Next(TinyTextClassification.Fillers.Length)]));
        var rows = Enumerable.Range(0, count).Select(i =>
        {
            var positive = i % 2 == 0;
            return $"{Fillers(12, 20)} {(positive ? "good" : "bad")} {Fillers(0, 2)}".Trim() + $"\t{(positive ? "pos" : "neg")}";
        });
        var path = _tmp.File(name);
        File.WriteAllLines(path, ["text\tlabel", .. rows]);
        return path;
    }

    private static double Metric(string folder, string file, string key) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, file))).RootElement.GetProperty(key).GetDouble();

    private (string Output, string Stdout) Train(string train, string dev, string test, params string[] extra)
    {
        var output = _tmp.File("out-" + Guid.NewGuid().ToString("N")[..8]);
        var (code, stdout, stderr) = CliRunner.Run([
            "train", "--model", _model, "--train", train, "--validation", dev, "--test", test, "--output", output,
            "--learning-rate", "0.003", "--per-device-train-batch-size", "16", "--seed", "5", "--max-length", "12", .. extra]);
        Assert.True(code == 0, stderr + stdout);
        return (output, stdout + stderr); // the run's report lines go to stderr
    }

    [Fact]
    public void Windows_find_what_truncation_cuts_off_and_evaluate_and_predict_use_the_same_windows()
    {
        var train = WriteDocuments("train.tsv", 200, seed: 3);
        var dev = WriteDocuments("dev.tsv", 40, seed: 4);
        var test = WriteDocuments("test.tsv", 40, seed: 5);

        var (truncated, truncatedLog) = Train(train, dev, test, "--num-train-epochs", "8");
        Assert.Contains("200 training and 40 validation examples are longer than max_length 12 tokens and were truncated", truncatedLog);
        var truncatedAccuracy = Metric(truncated, "test_results.json", "test_accuracy");
        Assert.True(truncatedAccuracy < 0.75, $"truncation cannot see the label's word, yet test accuracy is {truncatedAccuracy}");

        var (windows, windowsLog) = Train(train, dev, test, "--long-text", "windows", "--doc-stride", "4", "--window-aggregation", "max", "--num-train-epochs", "8");
        Assert.Contains("training windows from 200 examples: 200 training and 40 validation examples are longer than max_length 12 tokens, " +
                        "split into windows overlapping by 4 tokens (doc_stride); a text's prediction is the max of its windows' logits", windowsLog);
        var testAccuracy = Metric(windows, "test_results.json", "test_accuracy");
        Assert.True(testAccuracy > 0.9, $"windows test accuracy {testAccuracy}");
        using (var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(windows, "run_settings.json"))))
        {
            var text = settings.RootElement.ToString();
            Assert.Contains("\"long_text\"", text);
            Assert.Contains("\"windows\"", text);
            Assert.Contains("\"window_aggregation\"", text);
        }

        // evaluate on the folder: the windows, length and aggregation of training, so the run's own numbers.
        double Evaluated(string data, string key)
        {
            var (c, o, e) = CliRunner.Run("evaluate", "--model", windows, "--data", data);
            Assert.True(c == 0, e + o);
            return double.Parse(o.Split('\n').Single(l => l.StartsWith(key + " = ", StringComparison.Ordinal))[(key.Length + 3)..], CultureInfo.InvariantCulture);
        }
        Assert.Equal(testAccuracy, Evaluated(test, "eval_accuracy"), 4);
        Assert.Equal(Metric(windows, "eval_results.json", "eval_loss"), Evaluated(dev, "eval_loss"), 4);

        var texts = File.ReadAllLines(test).Skip(1).Select(l => l.Split('\t')).ToList();
        var input = _tmp.File("texts.txt");
        File.WriteAllLines(input, texts.Select(t => t[0]));
        var (pc, po, pe) = CliRunner.Run("predict", "--model", windows, "--input", input);
        Assert.True(pc == 0, pe + po);
        Assert.Contains("long texts: windows of 12 tokens overlapping by 4 (doc_stride), scored by the max of their logits, as the model was trained", pe);
        var labels = po.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("label").GetString()).ToList();
        Assert.Equal(testAccuracy, labels.Zip(texts).Count(p => p.First == p.Second[1]) / (double)texts.Count, 4);

        // Shorter windows for prediction keep at most a third of their length as overlap, as question answering does.
        var (sc, so, se) = CliRunner.Run("predict", "--model", windows, "--input", input, "--max-length", "9");
        Assert.True(sc == 0, se + so);
        Assert.Contains("long texts: windows of 9 tokens overlapping by 3 (doc_stride), scored by the max of their logits", se);
    }

    [Fact]
    public void Window_flags_without_windows_or_for_another_task_are_refused()
    {
        string[] Base(params string[] extra) => ["train", "--model", _model, "--train", _tmp.File("t.tsv"), "--output", _tmp.File("o"), .. extra];
        var (code, _, stderr) = CliRunner.Run(Base("--doc-stride", "4"));
        Assert.Equal(2, code);
        Assert.Contains("--doc-stride only applies to text classification with --long-text windows", stderr);
        (code, _, stderr) = CliRunner.Run(Base("--window-aggregation", "max"));
        Assert.Equal(2, code);
        Assert.Contains("--window-aggregation only applies with --long-text windows", stderr);
        (code, _, stderr) = CliRunner.Run(Base("--long-text", "windows", "--doc-stride", "12", "--max-length", "12"));
        Assert.Equal(2, code);
        Assert.Contains("--doc-stride (12) must be smaller than --max-length (12)", stderr);
        (code, _, stderr) = CliRunner.Run(Base("--task", "token-classification", "--doc-stride", "4"));
        Assert.Equal(2, code);
        Assert.Contains("token classification's windows overlap by --stride", stderr);
        (code, _, stderr) = CliRunner.Run(Base("--task", "question-answering", "--long-text", "windows"));
        Assert.Equal(2, code);
        Assert.Contains("--long-text belongs to --task text-classification", stderr);
    }
}
