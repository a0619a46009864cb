using System.Text.Json;
using TuneSharp.Inference;
using TuneSharp.Models;
using TuneSharp.Peft;
using TuneSharp.Peft.Lora;
using TuneSharp.Recipes;
using TuneSharp.Tasks.CausalLm;
using TuneSharp.Tokenization;
using TuneSharp.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Interop;

/// <summary>
/// A decoder fine-tuned by TuneSharp's causal-LM recipe (<c>--task causal-lm</c>) opens unchanged in Python: the committed
/// script <c>Scripts/causal_lm_logits.py</c> loads the output folder with transformers 4.40's <c>AutoModelForCausalLM</c>
/// (or PEFT 0.10's <c>PeftModel.from_pretrained</c> on the base); logits must be within 1e-4 of TuneSharp's and greedy
/// <c>generate</c> must make the same tokens.
/// </summary>
public sealed class CausalLmInteropTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-4;
    private const int NewTokens = 8;
    private readonly TempDir _tmp = new();

    private static readonly string[] PromptTexts = ["Hello, how are you today?", "I would like to book a table for two.", "ok"];

    public void Dispose() => _tmp.Dispose();

    [SkippableTheory]
    [InlineData("stories260K", "LlamaForCausalLM")]
    [InlineData("llama", "LlamaForCausalLM")]
    [InlineData("gpt2", "GPT2LMHeadModel")]
    [InlineData("gpt_neox", "GPTNeoXForCausalLM")]
    public void A_fully_fine_tuned_decoder_loads_in_transformers_with_the_same_logits_and_greedy_tokens(string family, string modelClass)
    {
        ReferencePython.Require();
        var folder = Train(family, new PeftOptions(), 5e-3);
        var (prompts, reference) = RunScript(folder, ["--model", folder]);
        Assert.Equal(modelClass, reference.GetProperty("model_class").GetString());
        var loading = reference.GetProperty("loading");
        foreach (var key in new[] { "missing_keys", "unexpected_keys", "mismatched_keys" }) Assert.Equal(0, loading.GetProperty(key).GetArrayLength());
        AssertSame(reference, prompts, folder);
    }

    [SkippableFact]
    public void A_lora_adapter_of_a_decoder_loads_in_peft_as_causal_lm_with_the_same_logits_and_greedy_tokens()
    {
        ReferencePython.Require();
        var folder = Train("stories260K", new PeftOptions { Method = PeftMethod.Lora, Lora = new LoraOptions { R = 4 } }, 2e-2);
        var (prompts, reference) = RunScript(folder, ["--base", SharedData.RequireModel("stories260K"), "--adapter", folder]);
        var loading = reference.GetProperty("loading");
        Assert.Equal("CAUSAL_LM", loading.GetProperty("task_type").GetString());
        Assert.Equal("PeftModelForCausalLM", reference.GetProperty("model_class").GetString());
        Assert.Equal(Names(loading.GetProperty("keys_peft_saves")), Names(loading.GetProperty("keys_in_file")));
        AssertSame(reference, prompts, folder);
    }

    // A few steps of the recipe on short chat conversations, into dir/out: rendered with the built-in ChatML template for
    // stories260K, and with a terse template file for the fixtures, whose small byte-level vocabularies and 64 positions
    // leave no room for ChatML's markers.
    private string Train(string family, PeftOptions method, double learningRate)
    {
        var stories = family == "stories260K";
        var baseModel = stories ? SharedData.RequireModel("stories260K") : InteropTraining.FixtureBase(_tmp.File("base"), family);
        var template = _tmp.File("terse.jinja");
        File.WriteAllText(template, "{% for m in messages %}{{ m['role'][0] }}:{{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}a:{% endif %}");
        var train = _tmp.File("chat.jsonl");
        File.WriteAllLines(train, Enumerable.Range(0, 24).Select(i => JsonSerializer.Serialize(new
        {
            messages = new[]
            {
                new { role = "user", content = stories ? $"Find me a restaurant number {i}." : $"hi {i}" },
                new { role = "assistant", content = stories ? (i % 2 == 0 ? "Sure, there is one in San Jose." : "I found a place downtown.") : i % 2 == 0 ? "yes" : "no" },
            },
        })));
        var result = CausalLmFineTuning.Run(new CausalLmRunOptions
        {
            ModelDir = baseModel, TrainPath = train, Peft = method, ChatTemplate = stories ? "chatml" : template,
            Args = FineTuningDefaults.Arguments(_tmp.File("out")) with
            {
                NumTrainEpochs = 2, LearningRate = learningRate, PerDeviceTrainBatchSize = 8, MaxLength = stories ? 128 : 64, Seed = 7, SaveStrategy = IntervalStrategy.No,
            },
        }, new NullTrainerCallback(), _ => { });
        return result.OutputDir;
    }

    private (int[][] Prompts, JsonElement Reference) RunScript(string folder, string[] arguments)
    {
        var tokenizer = TextTokenizer.FromPretrained(folder);
        var prompts = PromptTexts.Select(t => tokenizer.Encode(t).InputIds).ToArray();
        var file = _tmp.File("prompts.json");
        File.WriteAllText(file, JsonSerializer.Serialize(prompts));
        var run = ReferencePython.Run(ReferencePython.Script("causal_lm_logits.py"), ["--prompts", file, "--max-new-tokens", NewTokens.ToString(), .. arguments]);
        return (prompts, run.Json());
    }

    private void AssertSame(JsonElement reference, int[][] prompts, string folder)
    {
        var model = (CausalLanguageModel)PeftClassifierLoader.LoadTaskModel(folder, ModelTask.CausalLm);
        var rows = reference.GetProperty("rows").EnumerateArray().ToList();
        double worst = 0;
        for (var p = 0; p < prompts.Length; p++)
        {
            using var scope = NewDisposeScope();
            using (no_grad())
            {
                var logits = model.Forward(tensor(prompts[p].Select(i => (long)i).ToArray(), [1, prompts[p].Length]))[0];
                var ours = logits.data<float>().ToArray();
                var expected = rows[p].GetProperty("logits").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(e => e.GetDouble())).ToArray();
                Assert.Equal(expected.Length, ours.Length);
                for (var i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - ours[i]));
            }
            var generated = new TextGenerator(model).GenerateIds(prompts[p], new GenerationOptions { MaxNewTokens = NewTokens, StopTokenIds = [] }).ToArray();
            Assert.Equal(rows[p].GetProperty("generated").EnumerateArray().Select(e => e.GetInt32()), generated);
        }
        output.WriteLine($"{reference.GetProperty("model_class").GetString()} (transformers {reference.GetProperty("transformers").GetString()}): max |logit diff| {worst:E2}");
        Assert.True(worst < Tolerance, $"max |logit diff| {worst} exceeds {Tolerance}");
    }

    private static string[] Names(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();
}
