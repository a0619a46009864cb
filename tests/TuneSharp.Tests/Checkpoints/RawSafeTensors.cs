using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace TuneSharp.Tests.Checkpoints;

/// <summary>
/// Test-side safetensors bytes, built and parsed by hand from the spec (8-byte LE length, JSON, data)
/// without the library, so tests check the library against the format rather than against itself.
/// </summary>
internal static class RawSafeTensors
{
    /// <summary>The file bytes for a header JSON text and a data section; the length prefix can be forged.</summary>
    public static byte[] Build(string headerJson, byte[] data, ulong? forgedHeaderLength = null)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, forgedHeaderLength ?? (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    public static string Write(TempDir dir, string name, string headerJson, byte[] data, ulong? forgedHeaderLength = null)
    {
        var path = dir.File(name);
        File.WriteAllBytes(path, Build(headerJson, data, forgedHeaderLength));
        return path;
    }

    /// <summary>A minimal independent reader: the header length, the header JSON, and each tensor's raw bytes.</summary>
    public static (ulong HeaderLength, JsonObject Header, Dictionary<string, byte[]> Data) Parse(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var json = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        var header = JsonNode.Parse(json)!.AsObject();
        var dataStart = 8 + (int)headerLength;
        var data = new Dictionary<string, byte[]>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__") continue;
            var offsets = node!["data_offsets"]!.AsArray();
            var begin = (int)offsets[0]!.GetValue<long>();
            var end = (int)offsets[1]!.GetValue<long>();
            data[name] = bytes[(dataStart + begin)..(dataStart + end)];
        }
        return (headerLength, header, data);
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    public static byte[] UInt16s(params ushort[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), values[i]);
        return bytes;
    }

    public static byte[] Int64s(params long[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        return bytes;
    }
}
