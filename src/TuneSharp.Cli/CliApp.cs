using System.CommandLine;

namespace TuneSharp.Cli;

/// <summary>
/// The <c>tunesharp</c> command line: parses options and calls the library. Kept thin on purpose;
/// every capability lives in TuneSharp so it can be used from C# as well.
/// </summary>
public static class CliApp
{
    /// <summary>Runs the CLI with the given arguments and output writers; returns the process exit code
    /// (0 success, 1 a TuneSharp error such as a bad file, 2 a usage error, 3 from plan: the run would not fit in memory).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var io = new CliOutput(output, error);
        var parsed = CreateRootCommand(io).Parse(args);
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (TuneSharpException e)
        {
            io.Error(e.Message);
            return 1;
        }
        catch (OperationCanceledException)
        {
            io.Error("cancelled");
            return 130;
        }
    }

    /// <summary>
    /// The whole command tree (every subcommand with its options and arguments), writing to <paramref name="io"/>.
    /// Public so tools can read the definitions: the robustness harness enumerates every command and option from it.
    /// </summary>
    public static RootCommand CreateRootCommand(CliOutput io)
    {
        var root = new RootCommand("TuneSharp: fine-tune pretrained transformer models on your PC.");
        foreach (var command in Commands(io)) root.Subcommands.Add(command);
        return root;
    }

    private static IEnumerable<Command> Commands(CliOutput io)
    {
        yield return InfoCommand.Create(io);
        yield return GenerateCommand.Create(io);
        yield return TrainCommand.Create(io);
        yield return PlanCommand.Create(io);
        yield return EvaluateCommand.Create(io);
        yield return PredictCommand.Create(io);
        yield return MergeCommand.Create(io);
    }
}
