using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace TuneSharp.Checkpoints;

/// <summary>
/// Reads and validates a safetensors header. Every length and offset in the file is untrusted: the header
/// length is checked against the file size and a fixed cap before anything is allocated, and each tensor's
/// byte range must match its dtype and shape and tile the data section exactly (no overlaps, holes or
/// trailing bytes), as the reference implementation requires.
/// </summary>
internal static class SafeTensorsHeaderReader
{
    /// <summary>Largest header accepted. Real headers are kilobytes; this stops hostile lengths from allocating gigabytes.</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    public const string MetadataKey = "__metadata__";

    public static SafeTensorsHeader Read(string path, SafeFileHandle handle)
    {
        var fileLength = RandomAccess.GetLength(handle);
        if (fileLength < 8)
            throw CheckpointFormatException.InFile(path, $"the file is {fileLength} bytes long, too short for the 8-byte header length.");

        Span<byte> lengthBytes = stackalloc byte[8];
        CheckpointFiles.ReadExactly(handle, lengthBytes, 0, path);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes)
            throw CheckpointFormatException.InFile(path, $"the header length is {headerLength} bytes, more than the {MaxHeaderBytes / (1024 * 1024)} MB limit (the file is corrupt or not a safetensors file).");
        if (headerLength > (ulong)(fileLength - 8))
            throw CheckpointFormatException.InFile(path, $"the header length is {headerLength} bytes but only {fileLength - 8} bytes follow it (the file is truncated or not a safetensors file).");
        if (headerLength == 0)
            throw CheckpointFormatException.InFile(path, "the header is empty (length 0); expected a JSON object.");

        var headerBytes = new byte[headerLength];
        CheckpointFiles.ReadExactly(handle, headerBytes, 8, path);
        var dataOffset = 8 + (long)headerLength;
        var dataLength = fileLength - dataOffset;

        var (tensors, metadata) = Parse(path, headerBytes);
        CheckTiling(path, tensors, dataLength);
        return new SafeTensorsHeader(path, tensors, metadata, dataOffset);
    }

    private static (List<SafeTensorInfo>, Dictionary<string, string>) Parse(string path, byte[] headerBytes)
    {
        // JsonDocument validates UTF-8 inside strings only when they are read; check it all up front.
        if (!System.Text.Unicode.Utf8.IsValid(headerBytes))
            throw CheckpointFormatException.InFile(path, "the header is not valid JSON: it contains bytes that are not valid UTF-8.");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(headerBytes);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw CheckpointFormatException.InFile(path, $"the header is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw CheckpointFormatException.InFile(path, $"the header must be a JSON object but is a JSON {Describe(root.ValueKind)}.");

            var tensors = new List<SafeTensorInfo>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                // JSON itself allows repeated keys; a checkpoint must not, or "which tensor is it" is ambiguous.
                if (!seen.Add(property.Name))
                    throw CheckpointFormatException.InFile(path, $"the header names '{property.Name}' more than once.");
                if (property.Name == MetadataKey)
                    ReadMetadata(path, property.Value, metadata);
                else
                    tensors.Add(ReadTensor(path, property.Name, property.Value));
            }
            return (tensors, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw CheckpointFormatException.InFile(path, $"'{MetadataKey}' must be an object of strings but is a JSON {Describe(value.ValueKind)}.");
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw CheckpointFormatException.InFile(path, $"'{MetadataKey}' entry '{entry.Name}' must be a string but is a JSON {Describe(entry.Value.ValueKind)}.");
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                throw CheckpointFormatException.InFile(path, $"'{MetadataKey}' names '{entry.Name}' more than once.");
        }
    }

    private static SafeTensorInfo ReadTensor(string path, string name, JsonElement value)
    {
        string Where(string field) => $"tensor '{name}' field '{field}'";

        if (value.ValueKind != JsonValueKind.Object)
            throw CheckpointFormatException.InFile(path, $"tensor '{name}' must be an object with dtype, shape and data_offsets but is a JSON {Describe(value.ValueKind)}.");
        // TryGetProperty would silently pick one of two "dtype" fields; a repeated field is ambiguous, so reject it.
        var fields = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in value.EnumerateObject())
            if (!fields.Add(field.Name))
                throw CheckpointFormatException.InFile(path, $"tensor '{name}' has the field '{field.Name}' more than once.");

        if (!value.TryGetProperty("dtype", out var dtypeElement))
            throw CheckpointFormatException.InFile(path, $"tensor '{name}' has no 'dtype' field.");
        if (dtypeElement.ValueKind != JsonValueKind.String)
            throw CheckpointFormatException.InFile(path, $"{Where("dtype")} must be a string but is a JSON {Describe(dtypeElement.ValueKind)}.");
        var dtype = dtypeElement.GetString()!;
        if (!SafeTensorsDTypes.TryGetSize(dtype, out var elementSize))
            throw CheckpointFormatException.InFile(path, $"tensor '{name}' has unsupported dtype '{dtype}' (supported: {SafeTensorsDTypes.SupportedList}).");

        if (!value.TryGetProperty("shape", out var shapeElement))
            throw CheckpointFormatException.InFile(path, $"tensor '{name}' has no 'shape' field.");
        var shape = ReadNonNegativeIntegers(path, Where("shape"), shapeElement);

        if (!value.TryGetProperty("data_offsets", out var offsetsElement))
            throw CheckpointFormatException.InFile(path, $"tensor '{name}' has no 'data_offsets' field.");
        var offsets = ReadNonNegativeIntegers(path, Where("data_offsets"), offsetsElement);
        if (offsets.Length != 2)
            throw CheckpointFormatException.InFile(path, $"{Where("data_offsets")} must be [begin, end] but has {offsets.Length} entries.");
        var (begin, end) = (offsets[0], offsets[1]);
        if (end < begin)
            throw CheckpointFormatException.InFile(path, $"{Where("data_offsets")} [{begin}, {end}] ends before it begins.");

        long expectedBytes;
        try
        {
            expectedBytes = elementSize;
            foreach (var dim in shape) expectedBytes = checked(expectedBytes * dim);
        }
        catch (OverflowException)
        {
            throw CheckpointFormatException.InFile(path, $"tensor '{name}' shape {SafeTensorsDTypes.FormatShape(shape)} is too large (its byte size overflows 64 bits).");
        }
        if (end - begin != expectedBytes)
            throw CheckpointFormatException.InFile(path,
                $"tensor '{name}' data_offsets [{begin}, {end}] span {end - begin} bytes, but dtype {dtype} with shape {SafeTensorsDTypes.FormatShape(shape)} needs {expectedBytes} bytes.");

        return new SafeTensorInfo(name, dtype, shape, begin, end);
    }

    private static long[] ReadNonNegativeIntegers(string path, string where, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array)
            throw CheckpointFormatException.InFile(path, $"{where} must be an array of integers but is a JSON {Describe(element.ValueKind)}.");
        var values = new long[element.GetArrayLength()];
        var i = 0;
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var v) || v < 0)
                throw CheckpointFormatException.InFile(path, $"{where} entry {i} is {item.GetRawText()}; expected a non-negative integer.");
            values[i++] = v;
        }
        return values;
    }

    /// <summary>
    /// The tensors' byte ranges, sorted, must cover [0, dataLength) exactly once. Overlaps would alias tensors,
    /// holes or trailing bytes hide unindexed data (polyglot files), and a range past the end means truncation.
    /// </summary>
    private static void CheckTiling(string path, List<SafeTensorInfo> tensors, long dataLength)
    {
        foreach (var t in tensors)
            if (t.End > dataLength)
                throw CheckpointFormatException.InFile(path,
                    $"tensor '{t.Name}' data_offsets [{t.Begin}, {t.End}] run past the end of the data section ({dataLength} bytes); the file is truncated or the offsets are wrong.");

        var sorted = tensors.OrderBy(t => t.Begin).ThenBy(t => t.End).ToList();
        long covered = 0;
        SafeTensorInfo? previous = null;
        foreach (var t in sorted)
        {
            if (t.Begin < covered)
                throw CheckpointFormatException.InFile(path,
                    $"tensors '{previous!.Name}' [{previous.Begin}, {previous.End}] and '{t.Name}' [{t.Begin}, {t.End}] overlap.");
            if (t.Begin > covered)
                throw CheckpointFormatException.InFile(path, $"data bytes [{covered}, {t.Begin}) belong to no tensor (a hole before '{t.Name}').");
            covered = t.End;
            // Zero-byte tensors neither cover bytes nor conflict with their neighbours.
            if (t.End > t.Begin) previous = t;
        }
        if (covered != dataLength)
            throw CheckpointFormatException.InFile(path, $"the data section is {dataLength} bytes but the tensors cover only {covered}; {dataLength - covered} trailing bytes belong to no tensor.");
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };
}
