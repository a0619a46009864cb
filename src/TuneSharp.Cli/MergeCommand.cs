using System.CommandLine;
using TuneSharp.Peft;

namespace TuneSharp.Cli;

/// <summary><c>tunesharp merge --model &lt;base&gt; --adapter &lt;dir&gt; --output &lt;dir&gt;</c>: a plain full model from base + LoRA adapter.</summary>
public static class MergeCommand
{
    public static Command Create(CliOutput io)
    {
        var model = new Option<string>("--model") { Description = "Base model folder or hub id", Required = true };
        var adapter = new Option<string>("--adapter") { Description = "LoRA adapter folder (adapter_config.json, adapter_model.safetensors)", Required = true };
        var output = new Option<string>("--output") { Description = "Folder for the merged model", Required = true };
        var command = new Command("merge", "Merge a LoRA adapter into its base model and save a plain model.") { model, adapter, output };
        command.SetAction(parse =>
        {
            var adapterDir = parse.GetValue(adapter)!;
            if (!Directory.Exists(adapterDir)) throw new TuneSharpException($"Adapter folder '{adapterDir}' does not exist.");
            AdapterMerging.Merge(ModelSource.Resolve(io, parse.GetValue(model)!), adapterDir, parse.GetValue(output)!);
            io.Out.WriteLine($"merged model written to {Path.GetFullPath(parse.GetValue(output)!)}");
            return 0;
        });
        return command;
    }
}
