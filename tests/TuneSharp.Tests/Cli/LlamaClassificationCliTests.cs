using TuneSharp.Tasks.CausalLm;
using System.Text.Json;
using TuneSharp.Architectures.Llama;

namespace TuneSharp.Tests.Cli;

/// <summary>
/// Sequence classification on a decoder: train → predict through the CLI on the real stories260K Llama, whose
/// SentencePiece tokenizer has no pad token (the recipe pads with EOS; the head pools the last real token).
/// </summary>
public class LlamaClassificationCliTests : IDisposable
{
    private readonly TempDir _tmp = new();

    /// <summary>Short story-like sentences: "happy" words → pos, "sad" words → neg, alternating.</summary>
    private static IEnumerable<string> Rows(int count, int seed)
    {
        string[] subjects = ["The cat", "The little girl", "Tom", "The dog", "Lily", "The bird"];
        string[] happy = ["was very happy", "smiled and laughed", "loved the sunny day"];
        string[] sad = ["was very sad", "cried and cried", "was scared of the dark"];
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var positive = i % 2 == 0;
            var verb = (positive ? happy : sad)[random.Next(3)];
            yield return $"{subjects[random.Next(subjects.Length)]} {verb}.\t{(positive ? "pos" : "neg")}";
        }
    }

    [SkippableFact]
    public void TrainsSavesAndPredictsWithAPadlessTokenizer()
    {
        var model = SharedData.RequireModel("stories260K");
        var train = _tmp.File("train.tsv");
        File.WriteAllLines(train, ["text\tlabel", .. Rows(300, seed: 1)]);
        var output = _tmp.File("out");

        var (code, stdout, stderr) = CliRunner.Run("train", "--model", model, "--train", train, "--output", output,
            "--max-train-samples", "200", "--max-length", "32", "--num-train-epochs", "2", "--per-device-train-batch-size", "8",
            "--learning-rate", "0.003", "--seed", "7");
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("no pad token; padding with its EOS token", stderr);
        Assert.Contains("train: 200 examples", stderr);
        using var eval = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "eval_results.json")));
        var accuracy = eval.RootElement.GetProperty("eval_accuracy").GetDouble();
        Assert.True(accuracy >= 0.9, $"the happy/sad words are easy to learn (measured 1.0); eval_accuracy {accuracy}");

        foreach (var file in new[] { "config.json", "model.safetensors", "tokenizer.model", "trainer_state.json", "eval_results.json" })
            Assert.True(File.Exists(Path.Combine(output, file)), $"{file} missing");
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "config.json")));
        Assert.Equal("LlamaForSequenceClassification", config.RootElement.GetProperty("architectures")[0].GetString());
        Assert.Equal("single_label_classification", config.RootElement.GetProperty("problem_type").GetString());
        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "trainer_state.json")));
        Assert.Equal(50, state.RootElement.GetProperty("global_step").GetInt32()); // 200 examples / 8 × 2 epochs

        var inputs = _tmp.File("inputs.txt");
        File.WriteAllLines(inputs, ["Lily was very happy.", "The dog cried and cried.", "Tom"]);
        var predict = CliRunner.Run("predict", "--model", output, "--input", inputs);
        Assert.True(predict.ExitCode == 0, predict.Err);
        var lines = predict.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Equal(["pos", "neg"], lines.Take(2).Select(l => l.GetProperty("label").GetString()));
        foreach (var line in lines)
        {
            Assert.Contains(line.GetProperty("label").GetString(), new[] { "neg", "pos" });
            Assert.Equal(1.0, line.GetProperty("scores").EnumerateArray().Sum(s => s.GetProperty("score").GetDouble()), 6);
        }
    }

    public void Dispose() => _tmp.Dispose();
}
