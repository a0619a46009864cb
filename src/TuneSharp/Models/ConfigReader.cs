using System.Text.Json;
using System.Text.Json.Nodes;

namespace TuneSharp.Models;

/// <summary>
/// Reads typed fields out of a parsed config.json. Every field it reads is removed from <see cref="Remaining"/>,
/// so what is left afterwards is exactly the set of keys no typed property claimed; the config keeps those
/// and writes them back unchanged. Type errors name the file and the field.
/// </summary>
public sealed class ConfigReader
{
    private readonly string _source;

    internal ConfigReader(JsonObject json, string source)
    {
        Remaining = json;
        _source = source;
    }

    /// <summary>Keys not read yet.</summary>
    public JsonObject Remaining { get; }

    /// <summary>Whether the key is present (even when its value is null).</summary>
    public bool Has(string key) => Remaining.ContainsKey(key);

    /// <summary>An error about one field of this file.</summary>
    public ModelConfigException Error(string key, string problem) => new($"{_source}: field '{key}' {problem}");

    /// <summary>Removes the key and returns its value (null when absent or JSON null).</summary>
    public JsonNode? TakeRaw(string key)
    {
        if (!Remaining.TryGetPropertyValue(key, out var node)) return null;
        Remaining.Remove(key);
        return node;
    }

    public int Int(string key, int fallback) => OptionalInt(key, fallback) ?? throw Error(key, "must be an integer, found null");

    /// <summary>An integer that may be null; <paramref name="fallback"/> when the key is absent.</summary>
    public int? OptionalInt(string key, int? fallback)
    {
        if (!Has(key)) return fallback;
        var node = TakeRaw(key);
        if (node is null) return null;
        return AsInt(key, node);
    }

    public double Double(string key, double fallback) => OptionalDouble(key, fallback) ?? throw Error(key, "must be a number, found null");

    public double? OptionalDouble(string key, double? fallback)
    {
        if (!Has(key)) return fallback;
        var node = TakeRaw(key);
        if (node is null) return null;
        if (Kind(node) != JsonValueKind.Number) throw Error(key, $"must be a number, found {Describe(node)}");
        return node.GetValue<JsonElement>().GetDouble();
    }

    public bool Bool(string key, bool fallback)
    {
        if (!Has(key)) return fallback;
        var node = TakeRaw(key);
        return Kind(node) switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(key, $"must be true or false, found {Describe(node)}"),
        };
    }

    public string String(string key, string fallback) => OptionalString(key, fallback) ?? throw Error(key, "must be a string, found null");

    public string? OptionalString(string key, string? fallback)
    {
        if (!Has(key)) return fallback;
        var node = TakeRaw(key);
        if (node is null) return null;
        if (Kind(node) != JsonValueKind.String) throw Error(key, $"must be a string, found {Describe(node)}");
        return node.GetValue<string>();
    }

    /// <summary>A list of strings (e.g. <c>architectures</c>); null when absent or null.</summary>
    public List<string>? StringList(string key)
    {
        var node = TakeRaw(key);
        if (node is null) return null;
        if (node is not JsonArray array) throw Error(key, $"must be a list of strings, found {Describe(node)}");
        return array.Select((item, i) => Kind(item) == JsonValueKind.String
            ? item!.GetValue<string>()
            : throw Error(key, $"must be a list of strings, but item {i} is {Describe(item)}")).ToList();
    }

    /// <summary>A field HF allows as either one integer or a list (e.g. <c>eos_token_id</c>).</summary>
    public List<int>? IntOrIntList(string key, List<int>? fallback)
    {
        if (!Has(key)) return fallback;
        var node = TakeRaw(key);
        return node switch
        {
            null => null,
            JsonArray array => array.Select(item => item is null ? throw Error(key, "must not contain null") : AsInt(key, item)).ToList(),
            _ => [AsInt(key, node)],
        };
    }

    /// <summary>A JSON object field (e.g. <c>rope_scaling</c>); null when absent or null.</summary>
    public JsonObject? Object(string key)
    {
        var node = TakeRaw(key);
        if (node is null) return null;
        return node as JsonObject ?? throw Error(key, $"must be an object, found {Describe(node)}");
    }

    private int AsInt(string key, JsonNode node)
    {
        if (Kind(node) != JsonValueKind.Number) throw Error(key, $"must be an integer, found {Describe(node)}");
        var element = node.GetValue<JsonElement>();
        if (element.TryGetInt32(out var value)) return value;
        // Some exporters write integers as 4096.0; accept those, refuse real fractions.
        var d = element.GetDouble();
        if (d == Math.Floor(d) && d >= int.MinValue && d <= int.MaxValue) return (int)d;
        throw Error(key, $"must be an integer, found {element.GetRawText()}");
    }

    private static JsonValueKind Kind(JsonNode? node) => node switch
    {
        null => JsonValueKind.Null,
        JsonObject => JsonValueKind.Object,
        JsonArray => JsonValueKind.Array,
        JsonValue v => v.GetValueKind(),
        _ => JsonValueKind.Undefined,
    };

    private static string Describe(JsonNode? node) => Kind(node) switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.String => $"the string {node!.ToJsonString()}",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        var kind => $"{kind.ToString().ToLowerInvariant()} {node!.ToJsonString()}",
    };
}
