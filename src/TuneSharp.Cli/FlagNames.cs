using System.CommandLine;
using System.Text.RegularExpressions;

namespace TuneSharp.Cli;

/// <summary>
/// Puts the CLI's flag names into library messages. The library names settings as transformers does, in snake_case
/// (<c>max_new_tokens</c>); on the command line the same setting is <c>--max-new-tokens</c>, so a message about it
/// should say that. Only names with an underscore are rewritten (plain words such as "seed" or "model" read the same
/// either way, and would match ordinary text), only names that are options of the command that ran, and not when a
/// <c>--config</c> file was given (its keys are written in snake_case, so the message's names match what the user typed).
/// A setting written with its value, <c>key=value</c> (the library's way to advise one, e.g. <c>method=lora</c>), becomes
/// <c>--key value</c> whatever the key (<c>--flag</c> alone for <c>=true</c>).
/// </summary>
internal sealed partial class FlagNames
{
    private readonly Dictionary<string, string> _flagByKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _settingByKey = new(StringComparer.Ordinal);

    public FlagNames(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        var options = command.Options.Concat(command.Parents.OfType<Command>().SelectMany(p => p.Options.Where(o => o.Recursive)));
        if (options.Any(o => o.Name == "--config" && parsed.GetResult(o) is { Implicit: false })) return;
        foreach (var option in options)
            foreach (var flag in option.Aliases.Append(option.Name).Where(f => f.StartsWith("--", StringComparison.Ordinal)))
            {
                var key = flag[2..].Replace('-', '_');
                _settingByKey.TryAdd(key, option.Name);
                if (key.Contains('_')) _flagByKey.TryAdd(key, option.Name);
            }
    }

    /// <summary><paramref name="message"/> with every snake_case setting of the command replaced by its flag.</summary>
    public string Rewrite(string message) =>
        _flagByKey.Count == 0 ? RewriteSettings(message)
            : Identifier().Replace(RewriteSettings(message), m => _flagByKey.TryGetValue(m.Value, out var flag) ? flag : m.Value);

    /// <summary>
    /// Only the settings written with a value (<c>key=value</c> → <c>--key value</c>): for progress and plan lines, whose
    /// other words stay as the library wrote them.
    /// </summary>
    public string RewriteSettings(string message) => _settingByKey.Count == 0 ? message
        : Setting().Replace(message, m => _settingByKey.TryGetValue(m.Groups[1].Value, out var flag)
            ? m.Groups[2].Value == "true" ? flag : $"{flag} {m.Groups[2].Value}"
            : m.Value);

    // key=value, the key a snake_case setting name not inside a longer identifier, the value up to a space, ':' or ','.
    [GeneratedRegex(@"(?<![\w\-/.])([a-z][a-z0-9_]*)=([^\s:,;]+)")]
    private static partial Regex Setting();

    // A snake_case word not inside a longer identifier, path or flag.
    [GeneratedRegex(@"(?<![\w\-/.])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w\-/])")]
    private static partial Regex Identifier();
}
