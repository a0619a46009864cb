using System.Buffers.Binary;
using System.Text;
using TorchSharp;
using TuneSharp.Checkpoints;
using static TorchSharp.torch;
using static TuneSharp.Tests.Checkpoints.TensorTestUtil;

namespace TuneSharp.Tests.Checkpoints;

/// <summary>The library against the spec: files laid out by hand are read, and written files parse by hand.</summary>
public class SafeTensorsByteCompatibilityTests
{
    [Fact]
    public void ReadsAHandBuiltFile()
    {
        using var dir = new TempDir();
        // Header order differs from data order on purpose; the header is space-padded as the spec allows.
        var header = """{"__metadata__":{"format":"pt"},"ids":{"dtype":"I64","shape":[2],"data_offsets":[8,24]},"w":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}}""";
        header += new string(' ', (8 - header.Length % 8) % 8);
        var data = RawSafeTensors.Floats(0.25f, -3f).Concat(RawSafeTensors.Int64s(7, -9)).ToArray();
        var path = RawSafeTensors.Write(dir, "hand.safetensors", header, data);

        var parsed = SafeTensors.ReadHeader(path);
        Assert.Equal(8 + header.Length, parsed.DataOffset);
        Assert.Equal("pt", parsed.Metadata["format"]);
        var w = parsed.Tensors.Single(t => t.Name == "w");
        Assert.Equal(("F32", 0L, 8L), (w.DType, w.Begin, w.End));
        Assert.Equal(new long[] { 1, 2 }, w.Shape);

        var loaded = SafeTensors.Load(path);
        try
        {
            Assert.Equal(new float[] { 0.25f, -3f }, loaded["w"].data<float>().ToArray());
            Assert.Equal(new long[] { 1, 2 }, loaded["w"].shape);
            Assert.Equal(new long[] { 7, -9 }, loaded["ids"].data<long>().ToArray());
        }
        finally { DisposeAll(loaded.Values); }
    }

    [Fact]
    public void SavedFileParsesWithAnIndependentReader()
    {
        using var dir = new TempDir();
        var path = dir.File("out.safetensors");
        using (var b = tensor(new[] { 1f, 2f, 3f }, [3, 1]))
        using (var a = tensor(new[] { 5L }))
        using (var c = FromBits([0x3F80, 0x4000], ScalarType.BFloat16))
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["b.weight"] = b, ["a"] = a, ["c"] = c }, new Dictionary<string, string> { ["format"] = "pt" });

        var (headerLength, header, data) = RawSafeTensors.Parse(path);
        Assert.Equal(0UL, (8 + headerLength) % 8);
        var headerText = Encoding.UTF8.GetString(File.ReadAllBytes(path), 8, (int)headerLength);
        // Padding after the closing brace is spaces only (the spec's 8-byte alignment).
        Assert.All(headerText[(headerText.LastIndexOf('}') + 1)..], ch => Assert.Equal(' ', ch));

        // Keys sorted, data laid out in that order from offset 0, covering the whole file.
        var tensorKeys = header.Select(kv => kv.Key).Where(k => k != "__metadata__").ToList();
        Assert.Equal(["a", "b.weight", "c"], tensorKeys);
        Assert.Equal("I64", header["a"]!["dtype"]!.GetValue<string>());
        Assert.Equal("[0,8]", header["a"]!["data_offsets"]!.ToJsonString());
        Assert.Equal("F32", header["b.weight"]!["dtype"]!.GetValue<string>());
        Assert.Equal("[3,1]", header["b.weight"]!["shape"]!.ToJsonString());
        Assert.Equal("[8,20]", header["b.weight"]!["data_offsets"]!.ToJsonString());
        Assert.Equal("BF16", header["c"]!["dtype"]!.GetValue<string>());
        Assert.Equal("[20,24]", header["c"]!["data_offsets"]!.ToJsonString());
        Assert.Equal(8 + (long)headerLength + 24, new FileInfo(path).Length);

        Assert.Equal(RawSafeTensors.Int64s(5), data["a"]);
        Assert.Equal(RawSafeTensors.Floats(1f, 2f, 3f), data["b.weight"]);
        Assert.Equal(RawSafeTensors.UInt16s(0x3F80, 0x4000), data["c"]);
    }

    [Fact]
    public void HeaderLengthIsLittleEndian()
    {
        using var dir = new TempDir();
        var path = dir.File("le.safetensors");
        using (var w = ones(1)) SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = w });
        var bytes = File.ReadAllBytes(path);
        var n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal((byte)'{', bytes[8]);
        Assert.Equal(bytes.Length - 4, 8 + (int)n);
    }
}
