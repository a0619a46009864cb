using System.CommandLine;
using System.Runtime.InteropServices;
using TuneSharp.Inference;
using TuneSharp.Models;
using TuneSharp.Peft;
using TuneSharp.Tasks.CausalLm;
using TuneSharp.Tokenization;
using TuneSharp.Tokenization.ChatTemplates;

namespace TuneSharp.Cli;

/// <summary>
/// <c>tunesharp chat --model DIR [--adapter DIR]</c>: an interactive conversation with a chat model in the terminal (or
/// over piped input, one message per line). Replies stream as they are generated; the conversation is kept within the
/// context window by dropping the oldest turns (and saying so). <c>/reset</c> forgets the turns, <c>/system TEXT</c>
/// sets the system message, <c>/exit</c>, Ctrl-D or end of input leave; Ctrl-C stops a reply, and at the prompt leaves.
/// </summary>
public static class ChatCommand
{
    private const string Help = "commands: /reset (forget the conversation), /system TEXT (set the system message; /system alone clears it), /exit";

    public static Command Create(CliOutput io)
    {
        var model = new Option<string>("--model") { Description = "Model folder or Hugging Face hub id (the base model when --adapter is given)", Required = true };
        var adapter = new Option<string?>("--adapter") { Description = "A LoRA (or other PEFT) adapter folder to apply to --model" };
        var template = new Option<string?>("--chat-template") { Description = "chatml | alpaca | llama-2 | llama-3 | zephyr | mistral | a Jinja file (default: the model's own, from tokenizer_config.json)" };
        var system = new Option<string?>("--system") { Description = "System message the conversation starts with" };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Most tokens of a reply", DefaultValueFactory = _ => 256 };
        var command = new Command("chat", "Talk with a chat model in the terminal (replies stream; /reset, /system TEXT, /exit; Ctrl-D leaves).")
        {
            model, adapter, template, system, maxNew,
        };
        var sampling = new SamplingFlags();
        sampling.AddTo(command);
        command.SetAction(parse =>
        {
            var generation = sampling.Apply(parse, new GenerationOptions { MaxNewTokens = parse.GetValue(maxNew) });
            generation.Validate();
            return Run(io, parse.GetValue(model)!, parse.GetValue(adapter), parse.GetValue(template), new ChatSessionOptions
            {
                Generation = generation, SystemMessage = parse.GetValue(system),
            });
        });
        return command;
    }

    private static int Run(CliOutput io, string modelDir, string? adapterDir, string? templateOption, ChatSessionOptions options)
    {
        modelDir = ModelSource.Resolve(io, modelDir);
        if (adapterDir is not null && !PeftClassifierLoader.IsAdapterFolder(adapterDir))
            throw new TuneSharpException($"--adapter '{adapterDir}' is not an adapter folder (no adapter_config.json).");
        var config = PretrainedConfig.Load(modelDir);
        AutoModelForCausalLM.EnsureSupported(config);
        options.Generation.Validate(config);
        // The adapter's folder holds the tokenizer and the chat template it was trained with; the base's otherwise.
        var filesDir = adapterDir ?? modelDir;
        var tokenizer = TextTokenizer.FromPretrained(filesDir);
        var template = ChatTemplate.Resolve(templateOption, filesDir);
        var (loaded, report) = AutoModelForCausalLM.FromPretrained(modelDir);
        if (!report.IsClean) io.Warn(report.ToString());
        var model = adapterDir is null ? loaded : (CausalLanguageModel)PeftClassifierLoader.ApplyAdapter(loaded, adapterDir);
        TorchThreads.ConfigureFor(model.Module.parameters().Sum(p => p.numel()));
        var session = new ChatSession(model, tokenizer, template, options);
        var interactive = !Console.IsInputRedirected && io.IsTerminal;
        if (interactive) io.Err.WriteLine($"chat template: {template.Name}. {Help}; Ctrl-D leaves.");

        CancellationTokenSource? replying = null;
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            if (replying is { } reply) { reply.Cancel(); return; }
            io.Out.WriteLine();
            io.Out.Flush();
            Environment.Exit(130); // at the prompt: leave, as Ctrl-D does, without a stack trace
        });
        while (true)
        {
            if (interactive) { io.Out.Write("you> "); io.Out.Flush(); }
            var line = Console.In.ReadLine();
            if (line is null) { if (interactive) io.Out.WriteLine(); return 0; }
            line = line.Trim();
            if (line.Length == 0) continue;
            if (line == "/exit" || line == "/quit") return 0;
            if (line == "/reset") { session.Reset(); io.Err.WriteLine("(conversation reset)"); continue; }
            if (line == "/system" || line.StartsWith("/system ", StringComparison.Ordinal))
            {
                session.SystemMessage = line.Length > "/system".Length ? line["/system ".Length..].Trim() : null;
                io.Err.WriteLine(session.SystemMessage is null ? "(system message cleared)" : "(system message set)");
                continue;
            }
            if (line.StartsWith('/')) { io.Err.WriteLine($"unknown command {line.Split(' ')[0]}; {Help}"); continue; }
            replying = new CancellationTokenSource();
            try
            {
                IEnumerable<string> pieces;
                try { pieces = session.Reply(line, replying.Token); }
                catch (TuneSharpException e) { io.Error(e.Message); continue; }
                if (session.DroppedTurns > 0)
                    io.Warn($"dropped the {session.DroppedTurns} oldest messages so the conversation fits the model's context window ({config.MaxPositions} tokens).");
                if (interactive) io.Out.Write("assistant> ");
                foreach (var piece in pieces)
                {
                    io.Out.Write(piece);
                    io.Out.Flush();
                }
                io.Out.WriteLine();
                if (replying.IsCancellationRequested) io.Err.WriteLine("(reply stopped)");
                else if (session.LastStopReason is GenerationStopReason.MaxNewTokens)
                    io.Err.WriteLine($"(reply cut at --max-new-tokens {options.Generation.MaxNewTokens})");
            }
            finally
            {
                replying.Dispose();
                replying = null;
            }
        }
    }
}
