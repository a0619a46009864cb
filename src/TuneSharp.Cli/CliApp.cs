using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace TuneSharp.Cli;

/// <summary>
/// The <c>tunesharp</c> command line: parses options and calls the library. Kept thin on purpose;
/// every capability lives in TuneSharp so it can be used from C# as well.
/// </summary>
public static class CliApp
{
    /// <summary>Exit code of a TuneSharp error such as a bad file or model folder.</summary>
    public const int ErrorExitCode = 1;

    /// <summary>Exit code of a usage error: an unknown or malformed option, or an invalid option value.</summary>
    public const int UsageExitCode = 2;

    /// <summary>Exit code of a failure that is a bug in TuneSharp rather than a problem with the input (EX_SOFTWARE).</summary>
    public const int InternalErrorExitCode = 70;

    /// <summary>Set to 1 to print the full exception of an internal error (for a bug report).</summary>
    public const string DebugVariable = "TUNESHARP_DEBUG";

    /// <summary>Runs the CLI with the given arguments and output writers; returns the process exit code
    /// (0 success, 1 a TuneSharp error such as a bad file, 2 a usage error, 3 from plan: the run would not fit in memory,
    /// 70 an internal error, 130/143 training stopped by SIGINT/SIGTERM after saving a checkpoint).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var io = new CliOutput(output, error);
        var root = CreateRootCommand(io);
        var parsed = root.Parse(args);
        if (parsed.Action is ParseErrorAction) return UsageErrors.Report(io, parsed);
        var messages = new FlagNames(parsed);
        io.Render = messages.RewriteSettings;
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (UserError(e) is { } user)
        {
            io.Error(messages.Rewrite(user.Message));
            return user.Setting is null ? ErrorExitCode : UsageExitCode;
        }
        catch (OperationCanceledException)
        {
            io.Error("cancelled");
            return 130;
        }
        catch (System.Runtime.InteropServices.ExternalException e) when (OutOfMemory(e) is { } bytes)
        {
            // Not a bug: the machine ran out of memory for what was asked (the plan's estimate is checked only for train).
            io.Error($"out of memory: libtorch could not allocate {bytes} for this command. Ask for less: a smaller batch size, " +
                "max length, LoRA rank or number of virtual tokens, or a smaller model.");
            return ErrorExitCode;
        }
        catch (Exception e)
        {
            // Never a stack trace for the user: a bug gets one clear line and a way to get the details.
            var debug = Environment.GetEnvironmentVariable(DebugVariable) == "1";
            io.Error($"internal error: {e.Message.Split('\n')[0]} — this is a bug in TuneSharp, not a problem with your input. " +
                $"Please report it with the command line{(debug ? "" : $" (set {DebugVariable}=1 to print the details)")}.");
            if (debug) io.Err.WriteLine(e.ToString());
            return InternalErrorExitCode;
        }
    }

    /// <summary>The command tree: every subcommand with its options (the robustness tests enumerate it).</summary>
    public static Command CreateRootCommand(CliOutput io)
    {
        // A plain Command rather than RootCommand, so usage lines say "tunesharp" whatever the executable is called.
        var root = new Command("tunesharp", "TuneSharp: fine-tune pretrained transformer models on your PC.")
        {
            new HelpOption { Recursive = true },
            new VersionOption(),
        };
        foreach (var command in Commands(io)) root.Subcommands.Add(command);
        return root;
    }

    private static IEnumerable<Command> Commands(CliOutput io)
    {
        yield return InfoCommand.Create(io);
        yield return GenerateCommand.Create(io);
        yield return ChatCommand.Create(io);
        yield return TrainCommand.Create(io);
        yield return PlanCommand.Create(io);
        yield return EvaluateCommand.Create(io);
        yield return PredictCommand.Create(io);
        yield return MergeCommand.Create(io);
    }

    // libtorch's allocator failure ("DefaultCPUAllocator: can't allocate memory: you tried to allocate 123 bytes"): the size, readable.
    private static string? OutOfMemory(Exception e)
    {
        var match = System.Text.RegularExpressions.Regex.Match(e.Message, @"can't allocate memory: you tried to allocate (\d+) bytes");
        if (!match.Success) return null;
        return double.TryParse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n >= 1L << 30 ? $"{n / (1L << 30):N1} GiB" : $"{n / (1L << 20):N1} MiB"
            : match.Groups[1].Value + " bytes";
    }

    // A TuneSharpException, also when a static constructor or a task wrapped it.
    private static TuneSharpException? UserError(Exception e) => e switch
    {
        TuneSharpException t => t,
        TypeInitializationException { InnerException: { } inner } => UserError(inner),
        AggregateException { InnerExceptions.Count: 1 } a => UserError(a.InnerExceptions[0]),
        System.Reflection.TargetInvocationException { InnerException: { } inner } => UserError(inner),
        _ => null,
    };
}
