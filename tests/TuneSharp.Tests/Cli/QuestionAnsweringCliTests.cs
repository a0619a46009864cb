using System.Globalization;
using System.Text.Json;
using TuneSharp.Tests.Tasks.QuestionAnswering;
using TuneSharp.Tests.Tasks.TextClassification;

namespace TuneSharp.Tests.Cli;

/// <summary>
/// <c>train|evaluate|predict</c> for extractive question answering from the command line: a JSON Lines training file,
/// the trained folder scored with SQuAD's exact match and F1 (the same numbers as training's, since the folder keeps its
/// window settings), and answers with character spans for --question/--context and for a file; flags of other tasks refused.
/// </summary>
public sealed class QuestionAnsweringCliTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void Train_evaluate_and_predict_a_question_answering_model()
    {
        var model = TinyTextClassification.BaseModelFolder(_tmp.File("base"));
        var train = TinyQa.WriteJsonLines(_tmp.File("train.jsonl"), TinyQa.Examples(240, seed: 1));
        var dev = TinyQa.WriteSquad(_tmp.File("dev.json"), TinyQa.Examples(60, seed: 2, maxWords: 30));
        var output = _tmp.File("out");
        var (code, stdout, stderr) = CliRunner.Run("train", "--task", "question-answering", "--model", model, "--train", train, "--validation", dev,
            "--output", output, "--num-train-epochs", "6", "--learning-rate", "5e-3", "--per-device-train-batch-size", "16", "--max-length", "24",
            "--doc-stride", "6", "--save-strategy", "no", "--seed", "5");
        Assert.True(code == 0, stderr);
        var headline = stdout.Split('\n').First(l => l.StartsWith("validation f1: ", StringComparison.Ordinal));
        var f1 = double.Parse(headline["validation f1: ".Length..].Split(',')[0], CultureInfo.InvariantCulture);
        Assert.True(f1 > 80, stdout);
        Assert.Contains("exact match: ", headline);
        // "validation: ... eval_f1 = 93.3333, ..." in the format evaluate prints.
        var trainedF1 = stdout.Split('\n').First(l => l.StartsWith("validation: ", StringComparison.Ordinal)).Split(", ").First(p => p.Contains("eval_f1 = ", StringComparison.Ordinal));

        (code, stdout, stderr) = CliRunner.Run("evaluate", "--model", output, "--data", dev);
        Assert.True(code == 0, stderr);
        Assert.Contains(trainedF1[trainedF1.IndexOf("eval_f1", StringComparison.Ordinal)..], stdout); // training's number: same windows, same post-processing
        Assert.Contains("eval_exact_match = ", stdout);
        (code, var same, stderr) = CliRunner.Run("evaluate", "--task", "question-answering", "--model", output, "--data", dev);
        Assert.True(code == 0, stderr);
        Assert.Equal(stdout, same); // --task agrees with the folder
        (code, _, stderr) = CliRunner.Run("evaluate", "--task", "token-classification", "--model", output, "--data", dev);
        Assert.Equal(2, code);
        Assert.Contains("holds a question-answering model", stderr);

        var context = "w3 w4 good w19 w5 w6";
        (code, stdout, stderr) = CliRunner.Run("predict", "--model", output, "--question", "bad", "--context", context, "--top-k", "3");
        Assert.True(code == 0, stderr);
        var answer = JsonDocument.Parse(stdout.Trim()).RootElement;
        Assert.Equal("good w19", answer.GetProperty("answer").GetString());
        Assert.Equal((6, 14), (answer.GetProperty("start").GetInt32(), answer.GetProperty("end").GetInt32()));
        Assert.Equal(3, answer.GetProperty("top_k").GetArrayLength());
        Assert.InRange(answer.GetProperty("score").GetDouble(), 0.0, 1.0);

        var questions = _tmp.File("questions.jsonl");
        File.WriteAllLines(questions, [JsonSerializer.Serialize(new { id = "a", question = "bad", context }), JsonSerializer.Serialize(new { id = "b", question = "bad", context = "good w19 w1" })]);
        (code, stdout, stderr) = CliRunner.Run("predict", "--model", output, "--input", questions);
        Assert.True(code == 0, stderr);
        var lines = stdout.Trim().Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["a", "b"], lines.Select(l => l.GetProperty("id").GetString()));
        Assert.All(lines, l => Assert.Equal("good w19", l.GetProperty("answer").GetString()));
        Assert.Equal(0, lines[1].GetProperty("start").GetInt32());
    }

    [Fact]
    public void Question_answering_flags_are_refused_elsewhere_and_predict_needs_an_input()
    {
        var (code, _, stderr) = CliRunner.Run("train", "--model", _tmp.File("m"), "--train", _tmp.File("t.csv"), "--output", _tmp.File("o"), "--doc-stride", "32");
        Assert.Equal(2, code);
        Assert.Contains("--doc-stride only applies to text classification with --long-text windows", stderr);
        (code, _, stderr) = CliRunner.Run("train", "--task", "question-answering", "--model", _tmp.File("m"), "--train", _tmp.File("t.json"), "--output", _tmp.File("o"), "--label-all-tokens");
        Assert.Equal(2, code);
        Assert.Contains("--label-all-tokens belongs to --task token-classification", stderr);
        (code, _, stderr) = CliRunner.Run("predict", "--model", _tmp.File("m"));
        Assert.Equal(2, code);
        Assert.Contains("predict needs --input", stderr);
        (code, _, stderr) = CliRunner.Run("predict", "--model", _tmp.File("m"), "--input", _tmp.File("x.txt"), "--question", "q");
        Assert.Equal(2, code);
        Assert.Contains("either --input or --question with --context", stderr);
    }
}
