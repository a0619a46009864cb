using System.CommandLine;
using System.Text.Json;
using TuneSharp.Tasks.CausalLm;
using TuneSharp.Inference;
using TuneSharp.Models;
using TuneSharp.Tokenization;

namespace TuneSharp.Cli;

/// <summary>
/// <c>tunesharp generate</c>: stream a continuation of a prompt from a causal language model, or generate for a file of
/// prompts as one batch (JSON lines out); greedy, sampling or beam search, with a repetition penalty and stop strings.
/// </summary>
public static class GenerateCommand
{
    public static Command Create(CliOutput io)
    {
        var model = new Option<string>("--model") { Description = "Model folder or Hugging Face hub id", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "Text to continue", DefaultValueFactory = _ => "" };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Tokens to generate", DefaultValueFactory = _ => 64 };
        var sampling = new SamplingFlags();
        var noCache = new Option<bool>("--no-cache") { Description = "Recompute the whole sequence each step instead of using the KV cache" };
        var truncate = new Option<bool>("--truncate-prompt")
        {
            Description = "When the prompt and --max-new-tokens exceed the model's context window, keep only the prompt's last tokens (and its BOS)",
        };
        var repetition = new Option<double?>("--repetition-penalty")
        {
            Description = "Lower the scores of tokens already in the text, prompt included (> 0; 1 = off; e.g. 1.2)",
        };
        var stop = new Option<string[]>("--stop", "--stop-strings")
        {
            Description = "Stop once the generated text contains this string (repeatable; the text up to and including it is printed)",
        };
        var maxTime = new Option<double?>("--max-time") { Description = "Stop generating after this many seconds" };
        var beams = new Option<int>("--num-beams") { Description = "Beam search with this many beams (deterministic; 1 = off)", DefaultValueFactory = _ => 1 };
        var lengthPenalty = new Option<double>("--length-penalty")
        {
            Description = "Beam search: rank finished texts by log-probability / length^this (> 0 favours longer ones)", DefaultValueFactory = _ => 1.0,
        };
        var earlyStopping = new Option<bool>("--early-stopping") { Description = "Beam search: stop as soon as --num-beams texts are finished" };
        var promptsFile = new Option<string?>("--prompts-file")
        {
            Description = "Generate for every prompt in this file (one per line, or JSON lines with \"prompt\") as one batch; " +
                "prints one JSON line {\"prompt\", \"generated_text\"} per prompt, in order (generated_text is the continuation)",
        };
        var command = new Command("generate", "Generate text with a causal language model, streaming it as it is produced.")
        {
            model, prompt, maxNew, noCache, truncate,
            repetition, stop, maxTime, beams, lengthPenalty, earlyStopping, promptsFile,
        };
        sampling.AddTo(command);
        command.SetAction(parse =>
        {
            var options = sampling.Apply(parse, new GenerationOptions
            {
                MaxNewTokens = parse.GetValue(maxNew),
                UseCache = !parse.GetValue(noCache),
                TruncatePrompt = parse.GetValue(truncate),
                RepetitionPenalty = parse.GetValue(repetition) ?? 1.0,
                StopStrings = parse.GetValue(stop) is { Length: > 0 } stops ? stops : null,
                MaxTime = parse.GetValue(maxTime),
                NumBeams = parse.GetValue(beams),
                LengthPenalty = parse.GetValue(lengthPenalty),
                EarlyStopping = parse.GetValue(earlyStopping),
            });
            if (parse.GetValue(promptsFile) is { } file)
            {
                if (parse.GetResult(prompt) is { Implicit: false })
                    throw new TuneSharpException("Give either --prompt or --prompts-file, not both.") { Setting = "prompts_file" };
                options.Validate();
                return RunBatch(io, parse.GetValue(model)!, PromptsFile.Read(file), options);
            }
            return Run(io, parse.GetValue(model)!, parse.GetValue(prompt) ?? "", options);
        });
        return command;
    }

    private static int Run(CliOutput io, string modelDir, string prompt, GenerationOptions options)
    {
        var generator = Load(io, modelDir, [prompt], options);
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
        if (generator.LastGeneration is { StopReason: GenerationStopReason.MaxTime } timed)
            io.Warn($"stopped after {timed.GeneratedTokens} of {options.MaxNewTokens} new tokens: --max-time {options.MaxTime} seconds passed.");
        return 0;
    }

    // Valid JSON that keeps quotes and non-ASCII text readable (the default escapes them as \uXXXX).
    private static readonly JsonSerializerOptions ReadableJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>--prompts-file: one left-padded batch, one JSON line per prompt in the file's order.</summary>
    private static int RunBatch(CliOutput io, string modelDir, IReadOnlyList<string> prompts, GenerationOptions options)
    {
        var generator = Load(io, modelDir, prompts, options);
        var texts = generator.GenerateTextBatch(prompts, options);
        for (var i = 0; i < prompts.Count; i++)
            io.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, string> { ["prompt"] = prompts[i], ["generated_text"] = texts[i] }, ReadableJson));
        io.Out.Flush();
        return 0;
    }

    /// <summary>
    /// Checks everything that needs no weights, cheapest first (option ranges need nothing, the context window only
    /// config.json, the prompts' lengths only the tokenizer), then loads the model: a hub download's wait and the
    /// weights come after all of them.
    /// </summary>
    private static TextGenerator Load(CliOutput io, string modelDir, IReadOnlyList<string> prompts, GenerationOptions options)
    {
        options.Validate();
        modelDir = ModelSource.Resolve(io, modelDir);
        var config = PretrainedConfig.Load(modelDir);
        AutoModelForCausalLM.EnsureSupported(config);
        options.Validate(config);
        var tokenizer = TextTokenizer.FromPretrained(modelDir);
        for (var i = 0; i < prompts.Count; i++)
        {
            var fit = PromptFit.For(tokenizer.Encode(prompts[i]).InputIds, options, config);
            if (fit.DroppedTokens > 0)
                io.Warn($"{(prompts.Count > 1 ? $"prompt {i + 1}: " : "")}the prompt has {fit.OriginalLength} tokens; --truncate-prompt kept " +
                    $"{(fit.KeptBos ? "BOS and " : "")}its last {fit.Ids.Count - (fit.KeptBos ? 1 : 0)} tokens ({fit.DroppedTokens} dropped) so " +
                    $"that the prompt and {options.MaxNewTokens} new tokens fit the model's context window of {fit.ContextLength} tokens.");
        }
        var (model, report) = AutoModelForCausalLM.FromPretrained(modelDir);
        TorchThreads.ConfigureFor(model.Module.parameters().Sum(p => p.numel()));
        if (!report.IsClean) io.Warn(report.ToString());
        return new TextGenerator(model, tokenizer);
    }
}
