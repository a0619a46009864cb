using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using YamlDotNet.RepresentationModel;

namespace TuneSharp.Training;

/// <summary>
/// Builds <see cref="TrainingArguments"/> from a JSON or YAML file with Hugging Face's key names
/// (<c>learning_rate: 3e-5</c>) plus overrides (from command-line flags), overrides winning. Unknown
/// keys are errors naming the key and the file, so a typo never silently trains with a default.
/// </summary>
public static class TrainingArgumentsFile
{
    /// <summary>Every key TrainingArguments accepts (snake_case), with its .NET type.</summary>
    public static IReadOnlyDictionary<string, Type> Keys { get; } = typeof(TrainingArguments)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.SetMethod is not null && p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
        .ToDictionary(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name), p => p.PropertyType);

    /// <summary>Reads a .json, .yaml or .yml file into key/value pairs (not yet validated).</summary>
    public static JsonObject Read(string path)
    {
        if (!File.Exists(path)) throw new TrainingException($"Config file '{path}' does not exist.");
        var text = File.ReadAllText(path);
        var ext = Path.GetExtension(path).ToLowerInvariant();
        JsonNode? node;
        try
        {
            node = ext is ".yaml" or ".yml" ? YamlToJson(text) : JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw new TrainingException($"{path}: invalid JSON at line {e.LineNumber + 1}: {e.Message}", e);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new TrainingException($"{path}: invalid YAML at line {e.Start.Line}: {e.Message}", e);
        }
        if (node is not JsonObject obj) throw new TrainingException($"{path}: expected a mapping of training arguments (key: value) at the top level.");
        foreach (var (key, _) in obj)
            if (!Keys.ContainsKey(key)) throw UnknownKey(key, path);
        return obj;
    }

    /// <summary>
    /// Merges <paramref name="fileValues"/> (may be empty) with <paramref name="overrides"/> (flag values as text
    /// or typed values; later wins) and the required output dir, then deserialises and validates.
    /// </summary>
    public static TrainingArguments Build(JsonObject fileValues, IReadOnlyDictionary<string, object?> overrides, string source = "command line")
    {
        var merged = (JsonObject)fileValues.DeepClone();
        foreach (var (key, value) in overrides)
        {
            if (!Keys.ContainsKey(key)) throw UnknownKey(key, source);
            merged[key] = value is null ? null : JsonSerializer.SerializeToNode(value, value.GetType(), TrainingArguments.JsonOptions);
        }
        if (merged["output_dir"] is null) throw new TrainingException("output_dir is required (--output).");
        TrainingArguments args;
        try
        {
            args = merged.Deserialize<TrainingArguments>(TrainingArguments.JsonOptions)!;
        }
        catch (JsonException e)
        {
            var key = e.Path?.TrimStart('$', '.') ?? "?";
            var expected = Keys.TryGetValue(key, out var type) ? Describe(type) : "a valid value";
            throw new TrainingException($"Training argument '{key}' has an invalid value ({merged[key]?.ToJsonString()}): expected {expected}.", e);
        }
        args.Validate();
        return args;
    }

    private static TrainingException UnknownKey(string key, string source)
    {
        var close = Keys.Keys.OrderBy(k => Distance(k, key)).First();
        return new TrainingException($"{source}: unknown training argument '{key}' (did you mean '{close}'?). Known: {string.Join(", ", Keys.Keys.Order())}.");
    }

    private static string Describe(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(t).Select(n => JsonNamingPolicy.SnakeCaseLower.ConvertName(n)));
        if (t == typeof(int)) return "an integer";
        if (t == typeof(double)) return "a number";
        if (t == typeof(bool)) return "true or false";
        return t.Name;
    }

    // YAML scalars become JSON numbers/bools where they parse as such, so "learning_rate: 3e-5" works.
    private static JsonNode? YamlToJson(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count == 0 ? new JsonObject() : Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", Convert(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var v = scalar.Value;
        if (v is null || (scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && v is "null" or "~" or "")) return null;
        if (scalar.Style == YamlDotNet.Core.ScalarStyle.Plain)
        {
            if (v is "true" or "True") return JsonValue.Create(true);
            if (v is "false" or "False") return JsonValue.Create(false);
            if (long.TryParse(v, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
            if (double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)) return JsonValue.Create(d);
        }
        return JsonValue.Create(v);
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}
