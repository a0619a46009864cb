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
        if (Directory.Exists(path)) throw new TrainingException($"Config file '{path}' is a folder; expected a .json or .yaml file of training arguments.");
        if (!File.Exists(path)) throw new TrainingException($"Config file '{path}' does not exist.");
        string text;
        try { text = File.ReadAllText(path, new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.DecoderFallbackException)
        {
            throw new TrainingException($"Cannot read config file '{path}': {(e is System.Text.DecoderFallbackException ? "it is not UTF-8 text" : e.Message)}.", e);
        }
        var ext = Path.GetExtension(path).ToLowerInvariant();
        JsonNode? node;
        try
        {
            // Duplicate keys are refused: with two learning_rate lines, which one a run used would be a guess.
            node = ext is ".yaml" or ".yml" ? YamlToJson(text, path)
                : JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException e) when (DuplicateKey(text) is { } duplicate)
        {
            throw new TrainingException($"{path}: line {duplicate.Line}: key '{duplicate.Key}' appears twice; give each training argument once.", e);
        }
        catch (JsonException e)
        {
            throw new TrainingException($"{path}: invalid JSON{(e.LineNumber is { } line ? $" at line {line + 1}" : "")}: {e.Message}", e);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new TrainingException($"{path}: invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {YamlMessage(e)}", e);
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
        if (merged["output_dir"] is null) throw new TrainingException("output_dir is required.");
        TrainingArguments args;
        try
        {
            args = merged.Deserialize<TrainingArguments>(TrainingArguments.JsonOptions)!;
        }
        catch (JsonException e)
        {
            var key = e.Path?.TrimStart('$', '.') ?? "?";
            var expected = Keys.TryGetValue(key, out var type) ? Describe(type) : "a valid value";
            throw new TrainingException($"Training argument '{key}' has an invalid value ({TextExcerpt.Of(merged[key]?.ToJsonString())}): expected {expected}.", e) { Setting = key };
        }
        args.Validate();
        return args;
    }

    private static TrainingException UnknownKey(string key, string source)
    {
        var close = Keys.Keys.OrderBy(k => EditDistance.Between(k, key)).First();
        return new TrainingException($"{source}: unknown training argument '{key}' (did you mean '{close}'?). Known: {string.Join(", ", Keys.Keys.Order())}.") { Setting = key };
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

    // The first top-level key that repeats and its line (System.Text.Json reports duplicates without a position).
    private static (string Key, int Line)? DuplicateKey(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1) continue;
                var key = reader.GetString()!;
                if (!seen.Add(key)) return (key, 1 + bytes.AsSpan(0, (int)reader.TokenStartIndex).Count((byte)'\n'));
            }
        }
        catch (JsonException) { } // malformed in another way: the parser's own message says where
        return null;
    }

    // YAML scalars become JSON numbers/bools where they parse as such, so "learning_rate: 3e-5" works.
    private static JsonNode? YamlToJson(string text, string path)
    {
        CheckYamlNesting(text, path);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's representation model reports some malformed documents (an unclosed '[') this way.
            throw new TrainingException($"{path}: invalid YAML: {e.Message}", e);
        }
        if (stream.Documents.Count > 1)
            throw new TrainingException($"{path}: holds {stream.Documents.Count} YAML documents ('---'); expected one mapping of training arguments.");
        return stream.Documents.Count == 0 ? new JsonObject() : Convert(stream.Documents[0].RootNode, path);
    }

    private static JsonNode? Convert(YamlNode node, string path)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (key, value) in map.Children)
                {
                    if (key is not YamlScalarNode { Value: { } name })
                        throw new TrainingException($"{path}: line {key.Start.Line}: a key must be a plain name such as learning_rate, not a {(key is YamlSequenceNode ? "list" : "mapping")}.");
                    if (obj.ContainsKey(name))
                        throw new TrainingException($"{path}: line {key.Start.Line}: key '{name}' appears twice; give each training argument once.");
                    obj[name] = Convert(value, path);
                }
                return obj;
            case YamlSequenceNode seq:
                return new JsonArray(seq.Children.Select(c => Convert(c, path)).ToArray());
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new TrainingException($"{path}: line {node.Start.Line}: YAML aliases and tags are not supported in a config file; write the value itself.");
        }
    }

    /// <summary>The deepest nesting a config file may have; training arguments are a flat mapping of scalars.</summary>
    private const int MaxYamlNesting = 64;

    // YamlDotNet's scanner and representation model recurse once per nesting level, so a hostile file ("[[[[…" a
    // hundred thousand deep) overflows the stack, which no handler can catch. Measure the nesting first: flow brackets
    // outside quotes and comments, and block indentation (a level needs at least one more column).
    private static void CheckYamlNesting(string text, string path)
    {
        var depth = 0;
        var line = 1;
        var quote = '\0';
        var atLineStart = true;
        var indent = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            // Quotes end at the line end here (even though YAML lets a quoted scalar go on): a stray quote in a plain
            // value must not hide the brackets after it, and a bracket inside a quoted line counts at worst.
            if (c == '\n') { line++; atLineStart = true; indent = 0; quote = '\0'; continue; }
            if (atLineStart)
            {
                if (c is ' ' or '-' or '?' or ':') { if (++indent > 2 * MaxYamlNesting) throw TooDeep(path, line); continue; }
                atLineStart = false;
            }
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                else if (c == '\\' && quote == '"') i++;
                continue;
            }
            switch (c)
            {
                case '"' or '\'': quote = c; break;
                case '#': while (i + 1 < text.Length && text[i + 1] != '\n') i++; break;
                case '[' or '{': if (++depth > MaxYamlNesting) throw TooDeep(path, line); break;
                case ']' or '}': depth = Math.Max(0, depth - 1); break;
            }
        }
    }

    private static TrainingException TooDeep(string path, int line) =>
        new($"{path}: line {line}: nested more than {MaxYamlNesting} levels deep; a config file is a flat mapping of training arguments (key: value).");

    // YamlDotNet's messages repeat the position as "(Line: 3, Col: 1, Idx: 20) - (…): "; the caller already says where.
    private static string YamlMessage(YamlDotNet.Core.YamlException e)
    {
        var message = e.Message;
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && cut > 0 ? message[(cut + 3)..] : message;
    }

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
}
