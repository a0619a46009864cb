using System.CommandLine;
using TuneSharp.Tasks.CausalLm;
using TuneSharp.Inference;
using TuneSharp.Models;
using TuneSharp.Tokenization;

namespace TuneSharp.Cli;

/// <summary><c>tunesharp generate</c>: stream a continuation of a prompt from a causal language model.</summary>
public static class GenerateCommand
{
    public static Command Create(CliOutput io)
    {
        var model = new Option<string>("--model") { Description = "Model folder or Hugging Face hub id", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "Text to continue", DefaultValueFactory = _ => "" };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Tokens to generate", DefaultValueFactory = _ => 64 };
        var sample = new Option<bool>("--do-sample") { Description = "Sample instead of greedy decoding (implied by --temperature/--top-k/--top-p)" };
        var temperature = new Option<double?>("--temperature") { Description = "Softmax temperature for sampling" };
        var topK = new Option<int?>("--top-k") { Description = "Sample only among the k most likely tokens" };
        var topP = new Option<double?>("--top-p") { Description = "Nucleus sampling: smallest set of tokens with cumulative probability >= p" };
        var seed = new Option<long?>("--seed") { Description = "Random seed for sampling (same seed, same text)" };
        var noCache = new Option<bool>("--no-cache") { Description = "Recompute the whole sequence each step instead of using the KV cache" };
        var truncate = new Option<bool>("--truncate-prompt")
        {
            Description = "When the prompt and --max-new-tokens exceed the model's context window, keep only the prompt's last tokens (and its BOS)",
        };
        var command = new Command("generate", "Generate text with a causal language model, streaming it as it is produced.")
        {
            model, prompt, maxNew, sample, temperature, topK, topP, seed, noCache, truncate,
        };
        command.SetAction(parse =>
        {
            var doSample = parse.GetValue(sample) || parse.GetValue(temperature) is not null
                || parse.GetValue(topK) is not null || parse.GetValue(topP) is not null;
            var options = new GenerationOptions
            {
                MaxNewTokens = parse.GetValue(maxNew),
                DoSample = doSample,
                Temperature = parse.GetValue(temperature) ?? 1.0,
                TopK = parse.GetValue(topK) ?? 0,
                TopP = parse.GetValue(topP) ?? 1.0,
                Seed = parse.GetValue(seed),
                UseCache = !parse.GetValue(noCache),
                TruncatePrompt = parse.GetValue(truncate),
            };
            return Run(io, parse.GetValue(model)!, parse.GetValue(prompt) ?? "", options);
        });
        return command;
    }

    private static int Run(CliOutput io, string modelDir, string prompt, GenerationOptions options)
    {
        // Cheapest checks first: option ranges need nothing, the context window needs only config.json, the prompt's
        // length only the tokenizer; the weights (and a hub download's wait) come after all of them.
        options.Validate();
        modelDir = ModelSource.Resolve(io, modelDir);
        var config = PretrainedConfig.Load(modelDir);
        AutoModelForCausalLM.EnsureSupported(config);
        options.Validate(config);
        var tokenizer = TextTokenizer.FromPretrained(modelDir);
        var fit = PromptFit.For(tokenizer.Encode(prompt).InputIds, options, config);
        if (fit.DroppedTokens > 0)
            io.Warn($"the prompt has {fit.OriginalLength} tokens; --truncate-prompt kept {(fit.KeptBos ? "BOS and " : "")}its last " +
                $"{fit.Ids.Count - (fit.KeptBos ? 1 : 0)} tokens ({fit.DroppedTokens} dropped) so that the prompt and {options.MaxNewTokens} " +
                $"new tokens fit the model's context window of {fit.ContextLength} tokens.");

        var (model, report) = AutoModelForCausalLM.FromPretrained(modelDir);
        TorchThreads.ConfigureFor(model.Module.parameters().Sum(p => p.numel()));
        if (!report.IsClean) io.Warn(report.ToString());
        var generator = new TextGenerator(model, tokenizer);
        io.Out.Write(prompt);
        io.Out.Flush();
        foreach (var piece in generator.GenerateText(prompt, options))
        {
            io.Out.Write(piece);
            io.Out.Flush();
        }
        io.Out.WriteLine();
        if (generator.LastGeneration is { StopReason: GenerationStopReason.ContextWindow } done)
            io.Warn($"stopped after {done.GeneratedTokens} of {options.MaxNewTokens} new tokens: the prompt ({done.Prompt.Ids.Count} tokens) " +
                $"and the generated text filled the model's context window of {done.Prompt.ContextLength} tokens " +
                "(max_position_embeddings). Use a shorter prompt, fewer --max-new-tokens, or --truncate-prompt to keep the prompt's end.");
        return 0;
    }
}
