using System.Text;
using System.Text.Json;

namespace TuneSharp.Checkpoints;

/// <summary>
/// <c>model.safetensors.index.json</c>, as transformers writes it:
/// <c>{"metadata": {"total_size": bytes}, "weight_map": {tensor name: shard file name}}</c>.
/// </summary>
internal sealed record ShardIndex(IReadOnlyDictionary<string, string> WeightMap, long? TotalSize)
{
    private const long MaxIndexBytes = 100L * 1024 * 1024;

    /// <summary>The distinct shard file names, sorted, so shards load in a deterministic order.</summary>
    public IReadOnlyList<string> ShardFiles => WeightMap.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    public static ShardIndex Read(string path)
    {
        var length = new FileInfo(path).Length;
        if (length > MaxIndexBytes)
            throw Invalid(path, $"it is {length} bytes, more than the {MaxIndexBytes / (1024 * 1024)} MB limit for an index file.");

        var bytes = File.ReadAllBytes(path);
        // JsonDocument validates UTF-8 inside strings only when they are read; check it all up front.
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
            throw Invalid(path, "it is not valid JSON: it contains bytes that are not valid UTF-8.");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw Invalid(path, $"it is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Invalid(path, "it must be a JSON object with a \"weight_map\".");
            if (!root.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw Invalid(path, "it has no \"weight_map\" object (expected {\"weight_map\": {tensor name: shard file}}).");

            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                    throw Invalid(path, $"weight_map entry '{entry.Name}' must be a shard file name (string).");
                var shard = entry.Value.GetString()!;
                // Shards live beside the index; a path here could make us read files outside the model folder.
                if (shard.Length == 0 || shard is "." or ".." || Path.GetFileName(shard) != shard || shard.Contains('\\'))
                    throw Invalid(path, $"weight_map entry '{entry.Name}' names shard '{shard}'; expected a plain file name in the same folder.");
                if (!weightMap.TryAdd(entry.Name, shard))
                    throw Invalid(path, $"weight_map names tensor '{entry.Name}' more than once.");
            }
            if (weightMap.Count == 0)
                throw Invalid(path, "its weight_map is empty.");

            long? totalSize = null;
            if (root.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty("total_size", out var total) && total.ValueKind == JsonValueKind.Number
                && total.TryGetInt64(out var size))
                totalSize = size;
            return new ShardIndex(weightMap, totalSize);
        }
    }

    /// <summary>Writes the index with sorted keys and 2-space indentation, like transformers' json.dumps(sort_keys=True, indent=2).</summary>
    public void Write(string path)
    {
        var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("metadata");
            writer.WriteNumber("total_size", TotalSize ?? 0);
            writer.WriteEndObject();
            writer.WriteStartObject("weight_map");
            foreach (var (name, shard) in WeightMap.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                writer.WriteString(name, shard);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        json.Write("\n"u8);
        CheckpointFiles.WriteAtomically(path, stream => json.WriteTo(stream));
    }

    private static CheckpointFormatException Invalid(string path, string detail, Exception? inner = null)
    {
        var message = $"Invalid shard index '{path}': {detail}";
        return inner is null ? new CheckpointFormatException(message) : new CheckpointFormatException(message, inner);
    }
}
