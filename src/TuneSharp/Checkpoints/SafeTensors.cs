using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace TuneSharp.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length N, N bytes of JSON
/// (<c>{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}</c>) and the raw
/// little-endian tensor data, with offsets relative to the start of the data section.
/// </summary>
public static class SafeTensors
{
    /// <summary>Reads and validates the header only (no tensor data is read).</summary>
    /// <exception cref="CheckpointFormatException">The file is missing, truncated or malformed.</exception>
    public static SafeTensorsHeader ReadHeader(string path)
    {
        using var handle = CheckpointFiles.OpenRead(path);
        return SafeTensorsHeaderReader.Read(path, handle);
    }

    /// <summary>
    /// Loads all tensors (or only <paramref name="names"/> if given) as CPU tensors. Floating tensors are
    /// converted to <paramref name="dtype"/> when given (F16/BF16/F32/F64 to the requested floating type,
    /// exactly, by libtorch); integer and bool tensors keep their type. The caller owns the returned tensors.
    /// </summary>
    /// <exception cref="CheckpointFormatException">The file is malformed or a requested name is not in it.</exception>
    public static Dictionary<string, torch.Tensor> Load(string path, torch.ScalarType? dtype = null, IEnumerable<string>? names = null)
    {
        TorchRuntime.EnsureLoaded();
        if (dtype is { } requested && !SafeTensorsDTypes.IsFloating(requested))
            throw new ArgumentException($"dtype must be a floating type (Float32, Float16, BFloat16, Float64), not {requested}.", nameof(dtype));
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; big-endian hosts are not supported.");

        using var handle = CheckpointFiles.OpenRead(path);
        var header = SafeTensorsHeaderReader.Read(path, handle);
        var selected = Select(header, names);

        var result = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var info in selected)
                result[info.Name] = ReadTensor(header, info, handle, dtype);
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    private static List<SafeTensorInfo> Select(SafeTensorsHeader header, IEnumerable<string>? names)
    {
        if (names is null) return header.Tensors.ToList();
        var byName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var selected = new List<SafeTensorInfo>();
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            if (!byName.TryGetValue(name, out var info))
                throw CheckpointFormatException.InFile(header.Path, $"it has no tensor named '{name}' ({header.Tensors.Count} tensors in the file).");
            selected.Add(info);
        }
        return selected;
    }

    private static torch.Tensor ReadTensor(SafeTensorsHeader header, SafeTensorInfo info, SafeFileHandle handle, torch.ScalarType? dtype)
    {
        // Created in the file's own dtype and filled straight from the file; conversion (if any) is libtorch's.
        var tensor = torch.empty(info.Shape, SafeTensorsDTypes.ToScalarType(info.DType));
        try
        {
            TensorBytes.ReadInto(tensor, handle, header.DataOffset + info.Begin, header.Path);
            if (tensor.dtype == torch.ScalarType.Bool && !TensorBytes.AreValidBools(tensor))
                throw CheckpointFormatException.InFile(header.Path, $"BOOL tensor '{info.Name}' holds bytes other than 0 and 1.");
            if (dtype is { } target && SafeTensorsDTypes.IsFloating(tensor.dtype) && tensor.dtype != target)
            {
                var converted = tensor.to(target);
                tensor.Dispose();
                tensor = converted;
            }
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> (any device or dtype among F64/F32/F16/BF16/I64/I32/I16/I8/U8/BOOL;
    /// non-contiguous is fine) atomically: a temporary file in the same folder is flushed to disk and then
    /// renamed over <paramref name="path"/>. Keys are sorted (ordinal) and data laid out in that order; the
    /// header is space-padded to a multiple of 8 bytes; "__metadata__" is written when
    /// <paramref name="metadata"/> is given.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, torch.Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        TorchRuntime.EnsureLoaded();
        var names = tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var headerBytes = BuildHeader(names, tensors, metadata);

        CheckpointFiles.WriteAtomically(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)headerBytes.Length);
            stream.Write(length);
            stream.Write(headerBytes);
            foreach (var name in names)
            {
                // One tensor at a time, so a GPU model needs CPU memory for only its largest tensor.
                using var scope = torch.NewDisposeScope();
                var cpu = tensors[name].detach().cpu().contiguous();
                TensorBytes.WriteFrom(cpu, stream);
            }
        });
    }

    private static byte[] BuildHeader(List<string> names, IReadOnlyDictionary<string, torch.Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new MemoryStream();
        // Relaxed escaping keeps names like "a+b" readable; the output is still plain valid JSON.
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is not null)
            {
                writer.WriteStartObject(SafeTensorsHeaderReader.MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    writer.WriteString(key, value);
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var name in names)
            {
                if (name == SafeTensorsHeaderReader.MetadataKey)
                    throw new ArgumentException($"'{SafeTensorsHeaderReader.MetadataKey}' is reserved and cannot be a tensor name.", nameof(tensors));
                var tensor = tensors[name];
                if (!SafeTensorsDTypes.TryGetName(tensor.dtype, out var dtypeName))
                    throw new ArgumentException($"Tensor '{name}' has dtype {tensor.dtype}, which safetensors saving does not support (supported: {SafeTensorsDTypes.SupportedList}).", nameof(tensors));
                var bytes = tensor.NumberOfElements * tensor.ElementSize;
                writer.WriteStartObject(name);
                writer.WriteString("dtype", dtypeName);
                writer.WriteStartArray("shape");
                foreach (var dim in tensor.shape) writer.WriteNumberValue(dim);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + bytes);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += bytes;
            }
            writer.WriteEndObject();
        }
        // The spec pads the header with spaces so the data section starts 8-byte aligned.
        var padding = (int)((8 - json.Length % 8) % 8);
        for (var i = 0; i < padding; i++) json.WriteByte((byte)' ');
        return json.ToArray();
    }
}
