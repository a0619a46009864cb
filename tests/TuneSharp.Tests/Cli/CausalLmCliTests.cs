using System.Globalization;
using System.Text.Json;
using TuneSharp.Tokenization.ChatTemplates;

namespace TuneSharp.Tests.Cli;

/// <summary>
/// <c>train --task causal-lm</c> from the command line on the real stories260K Llama: chat rows with a built-in template,
/// the validation loss and perplexity printed, the template recorded in the saved folder; plain text in blocks; the
/// task's flags refused for other tasks and other tasks' flags refused for it.
/// </summary>
public sealed class CausalLmCliTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private string Chat(string name, int rows, int seed)
    {
        var random = new Random(seed);
        var cities = new[] { "San Jose", "Oakland", "Fresno", "Napa" };
        var path = _tmp.File(name);
        File.WriteAllLines(path, Enumerable.Range(0, rows).Select(_ =>
        {
            var city = cities[random.Next(cities.Length)];
            return JsonSerializer.Serialize(new
            {
                messages = new[]
                {
                    new { role = "user", content = $"Find a restaurant in {city}." },
                    new { role = "assistant", content = $"There is a good one in {city}." },
                },
            });
        }));
        return path;
    }

    private static double Metric(string stdout, string key)
    {
        var line = stdout.Split('\n').First(l => l.StartsWith("validation: ", StringComparison.Ordinal));
        var part = line.Split(", ").First(p => p.Contains($"{key} = ", StringComparison.Ordinal));
        return double.Parse(part[(part.IndexOf(" = ", StringComparison.Ordinal) + 3)..], CultureInfo.InvariantCulture);
    }

    [SkippableFact]
    public void Chat_rows_train_a_language_model_that_records_its_chat_template()
    {
        var model = SharedData.RequireModel("stories260K");
        var output = _tmp.File("out");
        var (code, stdout, stderr) = CliRunner.Run("train", "--task", "causal-lm", "--model", model, "--train", Chat("train.jsonl", 64, 1),
            "--validation", Chat("dev.jsonl", 16, 2), "--chat-template", "chatml", "--output", output, "--num-train-epochs", "3",
            "--learning-rate", "5e-3", "--per-device-train-batch-size", "8", "--max-length", "64", "--save-strategy", "no", "--seed", "3",
            "--packing", "--eval-generate-samples", "1");
        Assert.True(code == 0, stderr);
        var loss = Metric(stdout, "eval_loss");
        Assert.Equal(Math.Exp(loss), Metric(stdout, "eval_perplexity"), Math.Exp(loss) * 1e-3);
        // The replies are nearly determined by the question: a trained model predicts them far better than chance (ln 512).
        Assert.True(loss < 2.0, stdout);
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "tokenizer_config.json"))).RootElement;
        Assert.Equal(ChatTemplate.BuiltIn("chatml", null, null).Source, config.GetProperty("chat_template").GetString());
        Assert.Equal("LlamaTokenizer", config.GetProperty("tokenizer_class").GetString()); // the model's own keys kept
    }

    [SkippableFact]
    public void Plain_text_trains_in_blocks()
    {
        var model = SharedData.RequireModel("stories260K");
        var text = _tmp.File("stories.txt");
        File.WriteAllLines(text, Enumerable.Range(0, 60).Select(i => $"Once upon a time there was a little dog number {i}. It liked to run in the park."));
        var (code, stdout, stderr) = CliRunner.Run("train", "--task", "causal-lm", "--model", model, "--train", text, "--output", _tmp.File("out"),
            "--num-train-epochs", "1", "--block-size", "32", "--max-length", "64", "--save-strategy", "no");
        Assert.True(code == 0, stderr);
        Assert.Contains("blocks of 32 tokens", stdout + stderr);
        Assert.True(Metric(stdout, "eval_loss") > 0);
    }

    [SkippableTheory]
    [InlineData(new[] { "--task", "text-classification", "--packing" }, "--packing belongs to --task causal-lm")]
    [InlineData(new[] { "--task", "token-classification", "--text-column", "t" }, "--text-column belongs to --task text-classification and causal-lm")]
    [InlineData(new[] { "--task", "causal-lm", "--label-column", "x" }, "--label-column belongs to --task text-classification")]
    [InlineData(new[] { "--task", "causal-lm", "--block-size", "100", "--max-length", "64" }, "--block-size 100 is longer than --max-length 64")]
    public void Flags_of_the_wrong_task_and_bad_values_are_usage_errors(string[] flags, string expected)
    {
        var train = _tmp.File("train.jsonl");
        File.WriteAllText(train, "{\"text\": \"hello\"}\n");
        var (code, _, stderr) = CliRunner.Run(["train", "--model", SharedData.RequireModel("stories260K"), "--train", train, "--output", _tmp.File("out"), .. flags]);
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr);
    }
}
