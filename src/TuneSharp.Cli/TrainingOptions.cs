using System.CommandLine;
using System.Text.Json;
using TuneSharp.Training;

namespace TuneSharp.Cli;

/// <summary>
/// One command-line flag per Hugging Face TrainingArguments key (learning_rate → --learning-rate), generated from
/// the library's list so flags, config files and training_args.json always use the same names.
/// </summary>
internal sealed class TrainingOptions
{
    private readonly List<(string Key, Option Option, Type Type)> _options = [];

    /// <summary>--config: a JSON or YAML file of training arguments; flags override it.</summary>
    public Option<string?> ConfigFile { get; } = new("--config") { Description = "JSON or YAML file of training arguments (HF names); flags override it" };

    public void AddTo(Command command)
    {
        command.Options.Add(ConfigFile);
        foreach (var (key, type) in TrainingArgumentsFile.Keys.OrderBy(k => k.Key))
        {
            var flag = "--" + key.Replace('_', '-');
            // --output is what users type (and what messages should say); --output-dir is transformers' name.
            var aliases = key == "output_dir" ? new[] { flag } : [];
            if (key == "output_dir") flag = "--output";
            var underlying = Nullable.GetUnderlyingType(type) ?? type;
            // The recipe's defaults that differ from transformers' are stated where a user looks for them.
            var recipeDefault = TuneSharp.Recipes.FineTuningDefaults.Settings.TryGetValue(key, out var value)
                ? $"; default {(value is bool b ? (b ? "true" : "false") : value)}" : "";
            Option option = underlying == typeof(bool)
                ? new Option<bool?>(flag, aliases) { Description = $"{key} (true/false{recipeDefault})", Arity = ArgumentArity.ZeroOrOne }
                : new Option<string?>(flag, aliases) { Description = Describe(key, underlying) + (recipeDefault.Length > 0 ? $" [{recipeDefault[2..]}]" : "") };
            _options.Add((key, option, underlying));
            command.Options.Add(option);
        }
    }

    /// <summary>The recipe's defaults (FineTuningDefaults), then the --config file, then flags given on the command line.</summary>
    public TrainingArguments Build(ParseResult parse)
    {
        var values = new System.Text.Json.Nodes.JsonObject();
        foreach (var (k, v) in TuneSharp.Recipes.FineTuningDefaults.Settings) values[k] = JsonSerializer.SerializeToNode(v);
        var file = parse.GetValue(ConfigFile);
        if (file is not null)
            foreach (var (k, v) in TrainingArgumentsFile.Read(file)) values[k] = v?.DeepClone();
        var overrides = new Dictionary<string, object?>();
        foreach (var (key, option, type) in _options)
        {
            var result = parse.GetResult(option);
            if (result is null || result.Implicit) continue;
            if (option is Option<bool?> boolOption) overrides[key] = parse.GetValue(boolOption) ?? true;
            else overrides[key] = Convert(key, parse.GetValue((Option<string?>)option), type);
        }
        return TrainingArgumentsFile.Build(values, overrides, file is null ? "command line" : $"{file} / command line");
    }

    private static object? Convert(string key, string? text, Type type)
    {
        if (text is null) return null;
        var ci = System.Globalization.CultureInfo.InvariantCulture;
        if (type == typeof(int) && int.TryParse(text, ci, out var i)) return i;
        if (type == typeof(double) && double.TryParse(text, System.Globalization.NumberStyles.Float, ci, out var d)) return d;
        if (type == typeof(int) || type == typeof(double))
            throw new TuneSharpException($"--{key.Replace('_', '-')}: '{text}' is not {(type == typeof(int) ? "an integer" : "a number")}.");
        return text; // strings and enums (snake_case names) are checked when the arguments are built
    }

    private static string Describe(string key, Type type) =>
        type.IsEnum ? $"{key}: {string.Join(" | ", Enum.GetNames(type).Select(n => JsonNamingPolicy.SnakeCaseLower.ConvertName(n)))}"
        : $"{key} ({(type == typeof(int) ? "integer" : type == typeof(double) ? "number" : "text")})";
}
