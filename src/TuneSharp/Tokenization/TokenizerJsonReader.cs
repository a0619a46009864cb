using System.Text.Json;

namespace TuneSharp.Tokenization;

/// <summary>
/// A JSON value of a tokenizer.json file together with its path in the file ("pre_tokenizer.pretokenizers[1]"),
/// so every error can say which file and which field is wrong and what was expected.
/// </summary>
internal readonly record struct TokenizerJsonReader(JsonElement Element, string Path, string File)
{
    public string Describe(string field) => Path.Length == 0 ? field : $"{Path}.{field}";

    public TuneSharpException Error(string message) => new($"{File}: {message}");

    public bool IsNull => Element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    /// <summary>The field, or null when it is absent or JSON null.</summary>
    public TokenizerJsonReader? Optional(string field)
    {
        if (Element.ValueKind != JsonValueKind.Object)
            throw Error($"\"{(Path.Length == 0 ? "(top level)" : Path)}\" must be an object, got {Element.ValueKind}.");
        return Element.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null
            ? new TokenizerJsonReader(value, Describe(field), File) : null;
    }

    public TokenizerJsonReader Required(string field)
        => Optional(field) ?? throw Error($"\"{Describe(field)}\" is missing.");

    public bool Has(string field) => Optional(field) is not null;

    public string AsString() => Element.ValueKind == JsonValueKind.String ? Element.GetString()!
        : throw Error($"\"{Path}\" must be a string, got {Element.ValueKind}.");

    public bool AsBool() => Element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Error($"\"{Path}\" must be true or false, got {Element.ValueKind}."),
    };

    public int AsInt() => Element.ValueKind == JsonValueKind.Number && Element.TryGetInt32(out var v) ? v
        : throw Error($"\"{Path}\" must be an integer, got {Element.GetRawText()}.");

    public double AsDouble() => Element.ValueKind == JsonValueKind.Number ? Element.GetDouble()
        : throw Error($"\"{Path}\" must be a number, got {Element.GetRawText()}.");

    public string String(string field) => Required(field).AsString();
    public string? OptionalString(string field) => Optional(field)?.AsString();
    public bool Bool(string field, bool fallback) => Optional(field)?.AsBool() ?? fallback;
    public int Int(string field, int fallback) => Optional(field)?.AsInt() ?? fallback;

    /// <summary>The elements of an array.</summary>
    public IEnumerable<TokenizerJsonReader> Items()
    {
        if (Element.ValueKind != JsonValueKind.Array) throw Error($"\"{Path}\" must be an array, got {Element.ValueKind}.");
        var self = this;
        return Element.EnumerateArray().Select((e, i) => new TokenizerJsonReader(e, $"{self.Path}[{i}]", self.File));
    }

    /// <summary>The members of an object.</summary>
    public IEnumerable<(string Name, TokenizerJsonReader Value)> Properties()
    {
        if (Element.ValueKind != JsonValueKind.Object) throw Error($"\"{Path}\" must be an object, got {Element.ValueKind}.");
        var self = this;
        return Element.EnumerateObject().Select(p => (p.Name, new TokenizerJsonReader(p.Value, $"{self.Path}[\"{p.Name}\"]", self.File)));
    }

    /// <summary>The "type" field of a component, checked against the supported values.</summary>
    public string Type(string component, IReadOnlyCollection<string> supported)
    {
        var type = Required("type").AsString();
        if (!supported.Contains(type))
            throw Error($"unsupported {component} type \"{type}\" at \"{Describe("type")}\"; supported: {string.Join(", ", supported)}.");
        return type;
    }
}
