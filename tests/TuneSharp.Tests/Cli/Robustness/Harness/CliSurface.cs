using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Help;
using System.Text.Json;
using System.Text.RegularExpressions;
using TuneSharp.Cli;
using TuneSharp.Training;

namespace TuneSharp.Tests.Cli.Robustness;

/// <summary>What kind of value a command-line parameter takes, as far as the robustness harness needs to know.</summary>
public enum ValueKind
{
    Integer,
    Long,
    Number,
    Flag,
    Text,
    Choice,
    InputFile,
    InputFolder,
    OutputFile,
    OutputFolder,
}

/// <summary>Which folder an input-folder parameter expects (decides which hostile folders fit it).</summary>
public enum FolderKind
{
    None,
    Model,
    Adapter,
    Checkpoint,
}

/// <summary>
/// One option (or positional argument, <see cref="Flag"/> null) of one subcommand, read from the System.CommandLine
/// definitions: its value kind, the allowed values of a choice, and the file extensions an input file may have.
/// </summary>
public sealed record CliParameter(
    string Command, string? Flag, string Name, ValueKind Kind, IReadOnlyList<string> Choices, bool Required,
    string Description, IReadOnlyList<string> Extensions, FolderKind Folder, IReadOnlyList<string> Aliases)
{
    /// <summary>Whether <paramref name="flag"/> names this option (its name or an alias such as --output for --output-dir).</summary>
    public bool IsNamed(string? flag) => flag == Flag || flag is not null && Aliases.Contains(flag);

    /// <summary>The name without dashes, e.g. "batch-size" (the argument's own name for a positional argument).</summary>
    public string Bare => Name.TrimStart('-');

    /// <summary>True for a number-valued parameter.</summary>
    public bool IsNumeric => Kind is ValueKind.Integer or ValueKind.Long or ValueKind.Number;

    public override string ToString() => $"{Command} {Flag ?? $"<{Name}>"}";
}

/// <summary>A subcommand with all its parameters.</summary>
public sealed record CliCommandInfo(string Name, IReadOnlyList<CliParameter> Parameters);

/// <summary>
/// Reads the CLI's command tree (<see cref="CliApp.CreateRootCommand"/>) into <see cref="CliParameter"/>s, so that a new
/// command or option joins the robustness matrix without anyone listing it. Value kinds come from the definitions
/// (<see cref="Option.ValueType"/>, the completions that AcceptOnlyFromAmong registers); train's TrainingArguments
/// flags are string-typed on purpose (TrainingOptions parses them), so their real types come from
/// <see cref="TrainingArgumentsFile.Keys"/>. Whether a string is a path cannot be read from the definitions: that is
/// decided by the option's name (<see cref="PathRoles"/>).
/// </summary>
public static class CliSurface
{
    /// <summary>
    /// String options that name files or folders, by name. Output paths are folders when their name or description
    /// says so ("output_dir", "Folder for the merged model"), files otherwise.
    /// </summary>
    private static readonly Dictionary<string, ValueKind> PathRoles = new()
    {
        ["model"] = ValueKind.InputFolder, ["model-dir"] = ValueKind.InputFolder, ["adapter"] = ValueKind.InputFolder,
        ["resume-from-checkpoint"] = ValueKind.InputFolder,
        ["train"] = ValueKind.InputFile, ["validation"] = ValueKind.InputFile, ["test"] = ValueKind.InputFile,
        ["data"] = ValueKind.InputFile, ["input"] = ValueKind.InputFile, ["config"] = ValueKind.InputFile,
        ["output"] = ValueKind.OutputFile, ["output-dir"] = ValueKind.OutputFolder, ["logging-dir"] = ValueKind.OutputFolder,
    };

    private static readonly Regex FormatWords = new(@"\b(csv|tsv|jsonl|json|parquet|yaml|yml)\b", RegexOptions.IgnoreCase);

    /// <summary>Every subcommand of the CLI with its parameters, in definition order.</summary>
    public static IReadOnlyList<CliCommandInfo> Read()
    {
        var root = CliApp.CreateRootCommand(new CliOutput(TextWriter.Null, TextWriter.Null));
        return root.Subcommands.Select(c => new CliCommandInfo(c.Name, Parameters(c).ToList())).ToList();
    }

    private static IEnumerable<CliParameter> Parameters(Command command)
    {
        foreach (var argument in command.Arguments)
            yield return Describe(command.Name, null, argument.Name, argument.ValueType, Completions(argument.GetCompletions(CompletionContext.Empty)),
                required: true, argument.Description ?? "", []);
        foreach (var option in command.Options)
        {
            if (option is HelpOption or VersionOption) continue; // the parser's own; "--help" has its whole-command case
            yield return Describe(command.Name, option.Name, option.Name, option.ValueType, Completions(option.GetCompletions(CompletionContext.Empty)),
                option.Required, option.Description ?? "", [.. option.Aliases]);
        }
    }

    private static IReadOnlyList<string> Completions(IEnumerable<CompletionItem> items) => items.Select(i => i.Label).ToList();

    private static CliParameter Describe(string command, string? flag, string name, Type valueType, IReadOnlyList<string> completions, bool required, string description,
        IReadOnlyList<string> aliases)
    {
        var bare = name.TrimStart('-');
        // Aliases first: --output of train is output_dir (alias --output-dir), a folder, and named so in its alias.
        var names = aliases.Select(a => a.TrimStart('-')).Append(bare).ToList();
        var type = Nullable.GetUnderlyingType(valueType) ?? valueType;
        var choices = Array.Empty<string>() as IReadOnlyList<string>;
        // train/plan: one string option per TrainingArguments key; its real type is the key's.
        var key = names.FirstOrDefault(n => TrainingArgumentsFile.Keys.ContainsKey(n.Replace('-', '_')));
        if (type == typeof(string) && key is not null && TrainingArgumentsFile.Keys.TryGetValue(key.Replace('-', '_'), out var keyType))
            type = Nullable.GetUnderlyingType(keyType) ?? keyType;

        ValueKind kind;
        if (type == typeof(int)) kind = ValueKind.Integer;
        else if (type == typeof(long)) kind = ValueKind.Long;
        else if (type == typeof(double) || type == typeof(float)) kind = ValueKind.Number;
        else if (type == typeof(bool)) kind = ValueKind.Flag;
        else if (type.IsEnum)
        {
            kind = ValueKind.Choice;
            choices = Enum.GetNames(type).Select(n => JsonNamingPolicy.SnakeCaseLower.ConvertName(n)).ToList();
        }
        else if (completions.Count > 0) // AcceptOnlyFromAmong registers its values as completions
        {
            kind = ValueKind.Choice;
            choices = completions;
        }
        else if (names.FirstOrDefault(PathRoles.ContainsKey) is { } pathName && PathRoles[pathName] is var role)
            kind = role == ValueKind.OutputFile && description.Contains("folder", StringComparison.OrdinalIgnoreCase) ? ValueKind.OutputFolder : role;
        else kind = ValueKind.Text;

        var extensions = kind == ValueKind.InputFile
            ? FormatWords.Matches(description).Select(m => "." + m.Value.ToLowerInvariant()).Distinct().ToList()
            : [];
        var folder = kind != ValueKind.InputFolder ? FolderKind.None
            : bare.Contains("adapter") ? FolderKind.Adapter
            : bare.Contains("checkpoint") ? FolderKind.Checkpoint
            : FolderKind.Model;
        return new CliParameter(command, flag, name, kind, choices, required, description, extensions, folder, aliases);
    }
}
