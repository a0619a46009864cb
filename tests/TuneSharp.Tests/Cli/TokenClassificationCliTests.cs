using System.Text.Json;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Tests.Tasks.TokenClassification;

namespace TuneSharp.Tests.Cli;

/// <summary>
/// <c>train|evaluate|predict --task token-classification</c> from the command line: a CoNLL training file, the trained
/// folder evaluated with seqeval's scores and used to find entities with character spans; a task's flags refused for another.
/// </summary>
public sealed class TokenClassificationCliTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void Train_evaluate_and_predict_a_token_classifier()
    {
        var model = TinyTextClassification.BaseModelFolder(_tmp.File("base"));
        var train = TinyNer.WriteConll(_tmp.File("train.conll"), TinyNer.Sentences(240, seed: 1));
        var dev = TinyNer.WriteJsonLines(_tmp.File("dev.jsonl"), TinyNer.Sentences(60, seed: 2));
        var output = _tmp.File("out");
        var (code, stdout, stderr) = CliRunner.Run("train", "--task", "token-classification", "--model", model, "--train", train, "--validation", dev,
            "--output", output, "--num-train-epochs", "4", "--learning-rate", "5e-3", "--per-device-train-batch-size", "16", "--max-length", "32",
            "--save-strategy", "no", "--seed", "5");
        Assert.True(code == 0, stderr);
        Assert.Contains("validation f1: ", stdout);
        var f1 = double.Parse(stdout.Split('\n').First(l => l.StartsWith("validation f1: ", StringComparison.Ordinal))["validation f1: ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(f1 > 0.9, stdout);

        (code, stdout, stderr) = CliRunner.Run("evaluate", "--model", output, "--data", dev);
        Assert.True(code == 0, stderr);
        Assert.Contains($"eval_f1 = {f1:0.####}", stdout); // the same model on the same data: the training run's number
        Assert.Contains("PER", stdout);

        var input = _tmp.File("input.txt");
        File.WriteAllLines(input, ["w1 good w19 w2 bad", "w3 w4"]);
        (code, stdout, stderr) = CliRunner.Run("predict", "--model", output, "--input", input);
        Assert.True(code == 0, stderr);
        var lines = stdout.Trim().Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var entities = lines[0].GetProperty("entities").EnumerateArray().ToList();
        Assert.Equal(["PER", "LOC"], entities.Select(e => e.GetProperty("entity_group").GetString()));
        // Character spans into the input line: "good" (and its I-PER "w19" when the tiny model learned it) and "bad".
        Assert.Equal(3, entities[0].GetProperty("start").GetInt32());
        Assert.StartsWith("good", entities[0].GetProperty("word").GetString());
        Assert.Equal(("bad", 15, 18), (entities[1].GetProperty("word").GetString(), entities[1].GetProperty("start").GetInt32(), entities[1].GetProperty("end").GetInt32()));
        foreach (var e in entities)
            Assert.Equal("w1 good w19 w2 bad"[e.GetProperty("start").GetInt32()..e.GetProperty("end").GetInt32()], e.GetProperty("word").GetString());
        Assert.Empty(lines[1].GetProperty("entities").EnumerateArray());
    }

    [Fact]
    public void A_tasks_own_flags_are_refused_for_another_task()
    {
        var (code, _, stderr) = CliRunner.Run("train", "--task", "token-classification", "--model", _tmp.File("m"), "--train", _tmp.File("t.conll"),
            "--output", _tmp.File("o"), "--text-column", "sentence");
        Assert.Equal(2, code);
        Assert.Contains("--text-column belongs to --task text-classification and causal-lm; this run is --task token-classification", stderr);
        (code, _, stderr) = CliRunner.Run("train", "--model", _tmp.File("m"), "--train", _tmp.File("t.tsv"), "--output", _tmp.File("o"), "--label-all-tokens");
        Assert.Equal(2, code);
        Assert.Contains("--label-all-tokens belongs to --task token-classification", stderr);
    }

    [Fact]
    public void The_plan_advice_and_the_refusal_name_flags_on_the_command_line()
    {
        var model = TinyTextClassification.BaseModelFolder(_tmp.File("base"));
        var train = _tmp.File("train.tsv");
        File.WriteAllLines(train, ["text\tlabel", .. TinyTextClassification.Dataset(40, seed: 3).Examples.Select(e => $"{e.Text}\t{e.Label}")]);
        // The library writes settings (no_resource_check, gradient_checkpointing=true); the CLI shows them as flags.
        var (code, _, stderr) = CliRunner.Run("train", "--model", model, "--train", train, "--output", _tmp.File("o"), "--max-length", "32",
            "--per-device-train-batch-size", "4096");
        if (code == 0) return; // a machine with enough memory for batch 4096 of the tiny model: nothing to refuse
        Assert.Contains("--no-resource-check", stderr);
        Assert.Contains("--gradient-checkpointing", stderr);
        Assert.DoesNotContain("no_resource_check", stderr);
    }
}
