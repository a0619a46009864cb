using TuneSharp.Tests.Training;
using System.Text.Json;
using TuneSharp.Peft;
using TuneSharp.Recipes;
using TuneSharp.Training;

namespace TuneSharp.Tests.Tasks.CausalLm;

/// <summary>
/// The causal-LM recipe on the real stories260K: Alpaca rows without a validation file are split by validation_split,
/// a test file is scored after training (test_loss, test_perplexity), LoRA saves an adapter with the template beside
/// it, a method the task does not support is refused naming it, and a resumed run equals an uninterrupted one.
/// </summary>
public sealed class CausalLmRecipeTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private string Alpaca(string name, int rows, int seed)
    {
        var random = new Random(seed);
        var words = new[] { "cat", "dog", "sun", "tree", "ball" };
        var path = _tmp.File(name);
        File.WriteAllText(path, JsonSerializer.Serialize(Enumerable.Range(0, rows).Select(_ =>
        {
            var word = words[random.Next(words.Length)];
            return new { instruction = "Repeat the word.", input = word, output = $"{word} {word}" };
        })));
        return path;
    }

    private CausalLmRunOptions Options(string output, PeftOptions? method = null, int? maxSteps = null) => new()
    {
        ModelDir = SharedData.RequireModel("stories260K"), TrainPath = Alpaca("train.json", 50, 1), TestPath = Alpaca("test.json", 10, 2),
        ChatTemplate = "alpaca", ValidationSplit = 0.2, Peft = method ?? new PeftOptions(),
        Args = FineTuningDefaults.Arguments(output) with
        {
            NumTrainEpochs = 2, LearningRate = 5e-3, PerDeviceTrainBatchSize = 8, MaxLength = 128, Seed = 4, SaveStrategy = IntervalStrategy.Steps,
            SaveSteps = 3, MaxSteps = maxSteps ?? -1,
        },
    };

    [SkippableFact]
    public void Alpaca_rows_are_split_trained_and_scored_on_the_test_file()
    {
        var lines = new List<string>();
        var result = CausalLmFineTuning.Run(Options(_tmp.File("out")), new NullTrainerCallback(), lines.Add);
        Assert.Contains(lines, l => l.StartsWith("No validation file: held out 10 training conversations", StringComparison.Ordinal));
        Assert.Contains(lines, l => l == "chat template: alpaca; loss on the assistant replies only");
        Assert.Equal(Math.Exp(result.Test!["test_loss"]), result.Test["test_perplexity"], 1e-6 * result.Test["test_perplexity"]);
        Assert.True(result.Validation["eval_loss"] < 3.0, $"eval_loss {result.Validation["eval_loss"]}");
        Assert.True(File.Exists(Path.Combine(result.OutputDir, "test_results.json")));
    }

    [SkippableFact]
    public void A_lora_adapter_is_saved_with_the_chat_template_beside_it()
    {
        var result = CausalLmFineTuning.Run(Options(_tmp.File("lora"), new PeftOptions { Method = PeftMethod.Lora }), new NullTrainerCallback(), _ => { });
        var adapter = JsonDocument.Parse(File.ReadAllText(Path.Combine(result.OutputDir, "adapter_config.json"))).RootElement;
        Assert.Equal("CAUSAL_LM", adapter.GetProperty("task_type").GetString());
        Assert.Equal(["q_proj", "v_proj"], adapter.GetProperty("target_modules").EnumerateArray().Select(e => e.GetString()).Order());
        var tokenizerConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(result.OutputDir, "tokenizer_config.json"))).RootElement;
        Assert.Contains("### Response:", tokenizerConfig.GetProperty("chat_template").GetString());
    }

    [SkippableFact]
    public void Prompt_tuning_is_refused_naming_the_method()
    {
        var error = Assert.Throws<PeftException>(() => CausalLmFineTuning.Run(
            Options(_tmp.File("prompt"), new PeftOptions { Method = PeftMethod.PromptTuning }), new NullTrainerCallback(), _ => { }));
        Assert.Contains("Prompt tuning has no CausalLm model", error.Message);
    }

    [SkippableFact]
    public void A_resumed_packed_run_ends_with_the_weights_of_an_uninterrupted_one()
    {
        var whole = CausalLmFineTuning.Run(Options(_tmp.File("whole")) with { Packing = true }, new NullTrainerCallback(), _ => { });
        var parts = Options(_tmp.File("parts")) with { Packing = true };
        using (var cancel = new CancellationTokenSource())
        {
            var stopped = CausalLmFineTuning.Run(parts, new CancelAtStep(cancel, 3), _ => { }, cancel.Token);
            Assert.True(stopped.Train.Cancelled);
        }
        var resumed = CausalLmFineTuning.Run(parts with { Args = parts.Args with { ResumeFromCheckpoint = "latest" } }, new NullTrainerCallback(), _ => { });
        Assert.Equal(whole.Validation["eval_loss"], resumed.Validation["eval_loss"]);
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole.OutputDir, "model.safetensors")), File.ReadAllBytes(Path.Combine(resumed.OutputDir, "model.safetensors")));
    }
}
