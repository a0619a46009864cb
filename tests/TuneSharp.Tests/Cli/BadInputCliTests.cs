using System.Text;
using TuneSharp.Tests.Tasks.TextClassification;

namespace TuneSharp.Tests.Cli;

/// <summary>
/// The bad inputs of issue 12, each as a user would type it: every one ends in a clear error (exit 1, or 2 for a usage
/// error) that names the file, flag or value and what was expected, before the model or data is loaded where that is
/// possible, and none prints a .NET exception or a stack trace. The matrix over every option lives in the robustness
/// harness; these pin the exact behaviour of the cases the issue lists.
/// </summary>
public class BadInputCliTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly string _model;
    private readonly string _train;

    public BadInputCliTests()
    {
        _model = TinyTextClassification.BaseModelFolder(_tmp.File("base"));
        _train = _tmp.File("train.tsv");
        File.WriteAllLines(_train, new[] { "sentence\tlabel" }.Concat(TinyTextClassification.Dataset(48, seed: 3).Examples.Select(e => $"{e.Text}\t{e.Label}")));
    }

    public void Dispose() => _tmp.Dispose();

    /// <summary>A small train command; <paramref name="extra"/> flag/value pairs (or lone flags) replace the defaults of the same flag.</summary>
    private string[] Train(string output, params string[] extra)
    {
        var flags = new List<(string Flag, string? Value)>
        {
            ("--model", _model), ("--train", _train), ("--text-column", "sentence"), ("--output", output),
            ("--num-train-epochs", "1"), ("--max-length", "16"), ("--per-device-train-batch-size", "16"),
        };
        for (var i = 0; i < extra.Length; i++)
        {
            var value = i + 1 < extra.Length && !extra[i + 1].StartsWith("--", StringComparison.Ordinal) ? extra[++i] : null;
            flags.RemoveAll(f => f.Flag == extra[value is null ? i : i - 1]);
            flags.Add((extra[value is null ? i : i - 1], value));
        }
        return ["train", .. flags.SelectMany(f => f.Value is null ? new[] { f.Flag } : [f.Flag, f.Value])];
    }

    private static void AssertClean(string text)
    {
        Assert.DoesNotContain("Exception", text);
        Assert.DoesNotContain("   at ", text);
        Assert.DoesNotContain("System.", text);
    }

    /// <summary>A trained classifier folder (a few steps), for evaluate and predict.</summary>
    private string TrainedModel()
    {
        var output = _tmp.File("trained");
        var (code, _, err) = CliRunner.Run(Train(output));
        Assert.True(code == 0, err);
        return output;
    }

    [Fact]
    public void MaxLengthBeyondTheModelsPositionsIsRefusedBeforeTheDataIsRead()
    {
        var output = _tmp.File("long");
        foreach (var length in new[] { "1000", "100000" })
        {
            var (code, _, err) = CliRunner.Run(Train(output, "--max-length", length));
            Assert.Equal(TuneSharp.Cli.CliApp.UsageExitCode, code);
            Assert.Contains($"--max-length {length} exceeds the 64 positions of the model", err);
            Assert.Contains("use a --max-length of at most 64", err);
            AssertClean(err);
            Assert.False(Directory.Exists(output));
        }
    }

    [Fact]
    public void ConfigFilesThatDoNotParseAreNamedWithTheirLine()
    {
        var cases = new (string Name, string Text, string Expected)[]
        {
            ("unclosed.yaml", "learning_rate: [1e-4\nseed: 3\n", "invalid YAML"),
            ("list-key.yaml", "? [a, b]\n: 3\n", "line 1: a key must be a plain name"),
            ("duplicate.yaml", "seed: 1\nseed: 2\n", "seed"), // YamlDotNet refuses duplicate keys itself
            ("duplicate.json", "{\"seed\": 1,\n \"seed\": 2}", "line 2: key 'seed' appears twice"),
            ("binary.json", "\u0000\u0001\u0002", "invalid JSON"),
            // YamlDotNet recurses per level: this overflowed the stack (exit 134) before the nesting was measured first.
            ("deep.yaml", new string('[', 100_000) + new string(']', 100_000), "line 1: nested more than 64 levels deep"),
            ("deep-block.yaml", string.Concat(Enumerable.Range(0, 200).Select(i => new string(' ', i) + "k:\n")), "nested more than 64 levels deep"),
            ("deep.json", new string('[', 100_000) + new string(']', 100_000), "invalid JSON"),
        };
        foreach (var (name, text, expected) in cases)
        {
            var path = _tmp.File(name);
            File.WriteAllText(path, text);
            var (code, _, err) = CliRunner.Run(Train(_tmp.File("o-" + name), "--config", path));
            Assert.True(code is 1 or 2, $"{name}: exit {code}\n{err}");
            Assert.Contains(path, err);
            Assert.Contains(expected, err);
            AssertClean(err);
        }
    }

    [Fact]
    public void AnOutputThatIsAFileIsRefusedBeforeTheModelLoads()
    {
        var file = _tmp.File("results.txt");
        File.WriteAllText(file, "x");
        var (code, _, err) = CliRunner.Run(Train(file));
        Assert.Equal(1, code);
        Assert.Contains($"'{file}' is a file", err);
        Assert.DoesNotContain("trainable params", err); // the model was never built
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public void PredictAndEvaluateCheckTheirOptionsBeforeTheModel()
    {
        var missingModel = _tmp.File("no-model-here");
        var input = _tmp.File("in.txt");
        File.WriteAllText(input, "a good film\n");
        foreach (var (flag, value, message) in new[]
                 {
                     ("--batch-size", "0", "--batch-size must be at least 1, got 0"),
                     ("--batch-size", "-3", "--batch-size must be at least 1, got -3"),
                     ("--max-length", "0", "--max-length must be at least 1, got 0"),
                     ("--output", _tmp.Path, "is a folder; give a file path"),
                     ("--output", Path.Combine(_tmp.Path, "no-such-folder", "out.json"), "does not exist"),
                 })
        {
            var predict = CliRunner.Run("predict", "--model", missingModel, "--input", input, flag, value);
            Assert.True(predict.ExitCode == TuneSharp.Cli.CliApp.UsageExitCode, $"predict {flag} {value}: {predict.ExitCode} {predict.Err}");
            Assert.Contains(message, predict.Err);
            var evaluate = CliRunner.Run("evaluate", "--model", missingModel, "--data", _train, "--text-column", "sentence", flag, value);
            Assert.True(evaluate.ExitCode == TuneSharp.Cli.CliApp.UsageExitCode, $"evaluate {flag} {value}: {evaluate.ExitCode} {evaluate.Err}");
            Assert.Contains(message, evaluate.Err);
            AssertClean(predict.Err + evaluate.Err);
        }
    }

    [Fact]
    public void PredictMaxLengthBeyondThePositionsAndOutputWrittenToAFile()
    {
        var model = TrainedModel();
        var input = _tmp.File("in.txt");
        File.WriteAllText(input, "a good film\nw1 bad\n");
        var (code, _, err) = CliRunner.Run("predict", "--model", model, "--input", input, "--max-length", "100000");
        Assert.Equal(TuneSharp.Cli.CliApp.UsageExitCode, code);
        Assert.Contains("--max-length must be between 1 and the model's 64 positions", err);
        AssertClean(err);

        var output = _tmp.File("predictions.jsonl");
        (code, _, err) = CliRunner.Run("predict", "--model", model, "--input", input, "--output", output);
        Assert.True(code == 0, err);
        Assert.Equal(2, File.ReadAllLines(output).Length);
    }

    [Fact]
    public void AnUntrainedHeadIsRefusedUnlessAllowed()
    {
        var input = _tmp.File("in.txt");
        File.WriteAllText(input, "a good film\n");
        var (code, _, err) = CliRunner.Run("predict", "--model", _model, "--input", input);
        Assert.Equal(1, code);
        Assert.Contains("has no trained classification head", err);
        Assert.Contains("--allow-untrained-head", err);
        (code, _, err) = CliRunner.Run("evaluate", "--model", _model, "--data", _train, "--text-column", "sentence");
        Assert.Equal(1, code);
        Assert.Contains("has no trained classification head", err);

        var allowed = CliRunner.Run("predict", "--model", _model, "--input", input, "--allow-untrained-head");
        Assert.True(allowed.ExitCode == 0, allowed.Err);
        Assert.Contains("\"label\"", allowed.Out);
    }

    [Fact]
    public void AnotherRunInTheOutputFolderIsRefusedAndOverwriteReplacesIt()
    {
        var output = TrainedModel();
        var checkpoints = Directory.GetDirectories(output, "checkpoint-*").Order().ToList();
        var (code, _, err) = CliRunner.Run(Train(output, "--learning-rate", "0.001"));
        Assert.Equal(1, code);
        Assert.Contains("already holds the outputs of a training run", err);
        Assert.Contains("--overwrite-output-dir", err);
        Assert.DoesNotContain("trainable params", err); // refused before the model was built
        Assert.Equal(checkpoints, Directory.GetDirectories(output, "checkpoint-*").Order().ToList());

        // Resuming it with other settings is refused too: its checkpoints are another run's.
        (code, _, err) = CliRunner.Run(Train(output, "--learning-rate", "0.001", "--resume-from-checkpoint", "latest"));
        Assert.Equal(1, code);
        Assert.Contains("belongs to another run; it differs in --learning-rate", err);

        (code, _, err) = CliRunner.Run(Train(output, "--learning-rate", "0.001", "--overwrite-output-dir"));
        Assert.True(code == 0, err);
        Assert.Contains("deleted the earlier run's outputs", err);
        using var args = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "training_args.json")));
        Assert.Equal(0.001, args.RootElement.GetProperty("learning_rate").GetDouble());
        Assert.False(File.Exists(Path.Combine(output, TuneSharp.Training.OutputDirLock.FileName)));
    }

    [Fact]
    public void MixedLabelKindsAreWarnedAndSkippedRowsCounted()
    {
        var train = _tmp.File("mixed.tsv");
        var rows = new List<string> { "sentence\tlabel" };
        for (var i = 0; i < 12; i++) rows.Add($"w{i} good\t{(i % 2 == 0 ? "1" : "positive")}");
        for (var i = 0; i < 12; i++) rows.Add($"w{i} bad\t{(i % 2 == 0 ? "0" : "negative")}");
        rows.Insert(4, "\tpositive"); // line 5: empty text
        rows.Insert(9, "w99 good\t"); // line 10: empty label
        File.WriteAllLines(train, rows);
        var (code, _, err) = CliRunner.Run(Train(_tmp.File("mixed-out"), "--train", train, "--on-bad-row", "skip"));
        Assert.True(code == 0, err);
        Assert.Contains("The labels mix numbers ('0': ", err);
        Assert.Contains("so they make 4 separate classes", err);
        Assert.Contains("2 rows skipped: 1 empty label, 1 empty text (lines 5, 10)", err);
    }

    [Fact]
    public void ARunThatOverflowsTheWeightsWritesNothing()
    {
        // One step at learning rate 1e308 has a finite loss and gradient but leaves infinite weights.
        var output = _tmp.File("diverged");
        var (code, _, err) = CliRunner.Run(Train(output, "--learning-rate", "1e308", "--max-steps", "1"));
        Assert.Equal(1, code);
        Assert.Contains("Training diverged: after step 1 the weights of", err);
        Assert.False(Directory.Exists(output), "no checkpoint or model with NaN weights is written");
    }

    [Fact]
    public void RunningOutOfMemoryIsAClearError()
    {
        // A LoRA rank of 2^31 asks libtorch for 128 GiB for the first adapter matrix of the tiny model.
        var (code, _, err) = CliRunner.Run(Train(_tmp.File("oom"), "--method", "lora", "--lora-r", "2147483647"));
        Assert.Equal(1, code);
        Assert.Contains("out of memory: libtorch could not allocate", err);
        AssertClean(err);
    }

    [Fact]
    public void SampleCountsBelowOneAreRefused()
    {
        foreach (var value in new[] { "-1", "0" })
        {
            var (code, _, err) = CliRunner.Run(Train(_tmp.File("o"), "--max-train-samples", value));
            Assert.Equal(TuneSharp.Cli.CliApp.UsageExitCode, code);
            Assert.Contains($"--max-train-samples must be at least 1, got {value}", err);
        }
    }

    [Fact]
    public void PredictInputProblemsNameTheRightLine()
    {
        var bad = _tmp.File("bad-utf8.txt");
        using (var stream = File.Create(bad))
        {
            for (var i = 1; i <= 9; i++) stream.Write(Encoding.UTF8.GetBytes($"line {i}\n"));
            stream.Write([0x6F, 0x6B, 0xC3, 0x28, 0x0A]); // line 10: a broken two-byte sequence
        }
        var (code, _, err) = CliRunner.Run("predict", "--model", _model, "--input", bad);
        Assert.Equal(1, code);
        Assert.Contains("line 10 is not valid UTF-8", err);

        (code, _, err) = CliRunner.Run("predict", "--model", _model, "--input", _tmp.Path);
        Assert.Equal(1, code);
        Assert.Contains("is a folder; expected a text file", err);
        AssertClean(err);
    }

    [Fact]
    public void AFileWhoseExtensionSaysNothingTakesFormat()
    {
        var model = TrainedModel();
        var dat = _tmp.File("data.dat");
        File.Copy(_train, dat);
        var (code, _, err) = CliRunner.Run("evaluate", "--model", model, "--data", dat, "--text-column", "sentence");
        Assert.Equal(1, code);
        Assert.Contains("format: csv, tsv, jsonl, json or parquet", err);
        (code, var stdout, err) = CliRunner.Run("evaluate", "--model", model, "--data", dat, "--text-column", "sentence", "--format", "tsv");
        Assert.True(code == 0, err);
        Assert.Contains("eval_accuracy", stdout);

        // A CSV named .tsv: the message says how to read it as what it is.
        var csv = _tmp.File("really-csv.tsv");
        File.WriteAllLines(csv, ["sentence,label", "w1 good,pos", "w2 bad,neg"]);
        (code, _, err) = CliRunner.Run("evaluate", "--model", model, "--data", csv, "--text-column", "sentence");
        Assert.Equal(1, code);
        Assert.Contains("set format to csv", err);
    }

    [Fact]
    public void AHugeLineIsNotEchoedInFull()
    {
        var train = _tmp.File("huge-label.tsv");
        var huge = new string('x', 5_000_000);
        File.WriteAllLines(train, ["sentence\tlabel", "w1 good\tpos", $"w2 bad\t{huge}"]);
        var validation = _tmp.File("dev.tsv");
        File.WriteAllLines(validation, ["sentence\tlabel", "w1 good\tpos", $"w2 bad\t{huge}y"]);
        var (code, _, err) = CliRunner.Run(Train(_tmp.File("o"), "--train", train, "--validation", validation));
        Assert.Equal(1, code);
        Assert.Contains("more characters)", err);
        Assert.True(err.Length < 5_000, $"the error is {err.Length:N0} characters long");
    }

    [Fact]
    public void UsageErrorsExitTwoWithTheToolsNameAndNoDotNetTypeNames()
    {
        foreach (var args in new[]
                 {
                     new[] { "train" },
                     ["train", "--model", "m", "--train", "t", "--output", "o", "--lerning-rate", "1"],
                     ["predict", "--model", "m", "--input", "i", "--batch-size", "abc"],
                     ["generate", "--model", "m", "--temperature", "warm"],
                     ["no-such-command"],
                     [],
                 })
        {
            var (code, stdout, err) = CliRunner.Run(args);
            Assert.True(code == TuneSharp.Cli.CliApp.UsageExitCode, $"{string.Join(' ', args)}: exit {code}\n{err}");
            Assert.Contains("usage: tunesharp", err);
            Assert.DoesNotContain("TuneSharp.Cli", stdout + err);
            AssertClean(stdout + err);
        }
        var typo = CliRunner.Run("train", "--model", "m", "--train", "t", "--output", "o", "--lerning-rate", "1");
        Assert.Contains("Did you mean --learning-rate?", typo.Err);
        var type = CliRunner.Run("predict", "--model", "m", "--input", "i", "--batch-size", "abc");
        Assert.Contains("expected an integer", type.Err);
        var help = CliRunner.Run("train", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("tunesharp train [options]", help.Out);
    }
}
