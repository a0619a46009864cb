using System.CommandLine;
using TuneSharp.Models;
using TuneSharp.Tokenization;

namespace TuneSharp.Cli;

/// <summary><c>tunesharp info &lt;model-dir&gt;</c>: architecture, parameters, dtype, memory, tokenizer.</summary>
public static class InfoCommand
{
    public static Command Create(CliOutput io)
    {
        var modelDir = new Argument<string>("model-dir") { Description = "Hugging Face model folder (config.json, *.safetensors, tokenizer files)" };
        var command = new Command("info", "Describe a model folder without loading its weights.") { modelDir };
        command.SetAction(parse => Run(io, parse.GetValue(modelDir)!));
        return command;
    }

    private static int Run(CliOutput io, string dir)
    {
        dir = ModelSource.Resolve(io, dir);
        var summary = ModelSummary.Read(dir);
        var o = io.Out;
        o.WriteLine($"model:        {Path.GetFullPath(dir)}");
        o.WriteLine($"model_type:   {summary.ModelType}");
        o.WriteLine($"architecture: {(summary.Architectures.Count > 0 ? string.Join(", ", summary.Architectures) : "(not given)")}");
        o.WriteLine($"parameters:   {summary.Parameters:N0} ({Human(summary.Parameters)}){(summary.TiedEmbeddingsStoredTwice ? "  [tied lm_head stored as a copy, counted once]" : "")}");
        o.WriteLine($"dtype:        {string.Join(", ", summary.StoredDTypes)} ({summary.NumTensors} tensors, {Bytes(summary.StoredBytes)} on disk)");
        o.WriteLine($"memory:       weights {Bytes(summary.BytesAt(4))} in fp32, {Bytes(summary.BytesAt(2))} in bf16");
        try
        {
            var tokenizer = TextTokenizer.FromPretrained(dir);
            o.WriteLine($"tokenizer:    {tokenizer.Kind}, vocab size {tokenizer.VocabSize:N0}{(tokenizer.ModelMaxLength is { } m ? $", max length {m}" : "")}");
        }
        catch (TuneSharpException e)
        {
            o.WriteLine($"tokenizer:    none ({e.Message})");
        }
        return 0;
    }

    private static string Human(long n) => n switch
    {
        >= 1_000_000_000 => $"{n / 1e9:0.##}B",
        >= 1_000_000 => $"{n / 1e6:0.##}M",
        >= 1_000 => $"{n / 1e3:0.##}K",
        _ => n.ToString(),
    };

    internal static string Bytes(long b) => b switch
    {
        >= 1L << 30 => $"{b / (double)(1L << 30):0.##} GiB",
        >= 1L << 20 => $"{b / (double)(1L << 20):0.##} MiB",
        >= 1L << 10 => $"{b / 1024.0:0.##} KiB",
        _ => $"{b} B",
    };
}
