using TorchSharp;
using TuneSharp.Checkpoints;
using static TorchSharp.torch;
using static TuneSharp.Tests.Checkpoints.TensorTestUtil;

namespace TuneSharp.Tests.Checkpoints;

public class SafeTensorsRoundTripTests
{
    [Fact]
    public void EveryDTypeRoundTripsBitExactly()
    {
        using var dir = new TempDir();
        var path = dir.File("all.safetensors");
        var nanWithPayload = BitConverter.Int32BitsToSingle(0x7FC01234);
        var original = new Dictionary<string, Tensor>
        {
            ["f32"] = tensor(new[] { 1.5f, -0f, float.MaxValue, float.Epsilon, nanWithPayload, float.NegativeInfinity }, [2, 3]),
            ["f16"] = FromBits([0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7E01, 0x8000], ScalarType.Float16, 3, 2),
            ["bf16"] = FromBits([0x3F80, 0x4049, 0x0001, 0xFF80], ScalarType.BFloat16, 2, 2),
            ["f64"] = tensor(new[] { Math.PI, -1e-300, double.MaxValue }),
            ["i64"] = tensor(new[] { long.MinValue, -1L, 0L, long.MaxValue }, [4, 1]),
            ["i32"] = tensor(new[] { int.MinValue, 7, int.MaxValue }),
            ["i16"] = tensor(new short[] { short.MinValue, 3, short.MaxValue }),
            ["i8"] = tensor(new sbyte[] { -128, 0, 127 }),
            ["u8"] = tensor(new byte[] { 0, 128, 255 }),
            ["bool"] = tensor(new[] { true, false, true }),
            ["scalar"] = tensor(42L),
            ["empty"] = zeros([0, 3], ScalarType.Float32),
        };
        try
        {
            SafeTensors.Save(path, original);
            var loaded = SafeTensors.Load(path);
            try
            {
                Assert.Equal(original.Keys.Order(), loaded.Keys.Order());
                foreach (var (name, expected) in original)
                {
                    var actual = loaded[name];
                    Assert.Equal(expected.dtype, actual.dtype);
                    Assert.Equal(expected.shape, actual.shape);
                    Assert.Equal(Bytes(expected), Bytes(actual));
                }
            }
            finally { DisposeAll(loaded.Values); }
        }
        finally { DisposeAll(original.Values); }
    }

    [Fact]
    public void Bf16ToF32IsExactAgainstHandComputedValues()
    {
        using var dir = new TempDir();
        var path = dir.File("bf16.safetensors");
        // bf16 is the top half of an f32: 0x3F80=1.0, 0xC000=-2.0, 0x3FC0=1.5, 0x4049=3.140625,
        // 0x7F80=+inf, 0x0001=2^-133 (smallest subnormal), 0x8000=-0.0.
        using (var bf16 = FromBits([0x3F80, 0xC000, 0x3FC0, 0x4049, 0x7F80, 0x0001, 0x8000], ScalarType.BFloat16))
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = bf16 });

        var loaded = SafeTensors.Load(path, ScalarType.Float32);
        using var w = loaded["w"];
        Assert.Equal(ScalarType.Float32, w.dtype);
        float[] expected = [1.0f, -2.0f, 1.5f, 3.140625f, float.PositiveInfinity, MathF.ScaleB(1f, -133), -0.0f];
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), FloatBits(w));
        Assert.Equal(0x00010000, FloatBits(w)[5]);
    }

    [Fact]
    public void F16ToF32IsExactAgainstHandComputedValues()
    {
        using var dir = new TempDir();
        var path = dir.File("f16.safetensors");
        // 0x3C00=1, 0xC000=-2, 0x7BFF=65504 (max), 0x0001=2^-24 (smallest subnormal),
        // 0x3555=2^-2*(1+341/1024)=0.333251953125, 0x7C00=+inf, 0x8000=-0.
        using (var f16 = FromBits([0x3C00, 0xC000, 0x7BFF, 0x0001, 0x3555, 0x7C00, 0x8000], ScalarType.Float16))
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = f16 });

        var loaded = SafeTensors.Load(path, ScalarType.Float32);
        using var w = loaded["w"];
        float[] expected = [1f, -2f, 65504f, MathF.ScaleB(1f, -24), 0.333251953125f, float.PositiveInfinity, -0f];
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), FloatBits(w));
    }

    [Fact]
    public void F32ToBf16RoundsToNearestEven()
    {
        using var dir = new TempDir();
        var path = dir.File("f32.safetensors");
        // 0x3F808000 is exactly halfway between bf16 0x3F80 and 0x3F81: ties go to even 0x3F80.
        // 0x3F818000 is halfway between 0x3F81 and 0x3F82: even is 0x3F82. 0x3F808001 is just above half: 0x3F81.
        int[] f32Bits = [0x3F808000, 0x3F818000, 0x3F808001];
        using (var f32 = tensor(f32Bits.Select(BitConverter.Int32BitsToSingle).ToArray()))
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = f32 });

        var loaded = SafeTensors.Load(path, ScalarType.BFloat16);
        using var w = loaded["w"];
        Assert.Equal(ScalarType.BFloat16, w.dtype);
        Assert.Equal(RawSafeTensors.UInt16s(0x3F80, 0x3F82, 0x3F81), Bytes(w));
    }

    [Fact]
    public void IntegerTensorsKeepTheirTypeWhenAFloatDTypeIsRequested()
    {
        using var dir = new TempDir();
        var path = dir.File("mixed.safetensors");
        using (var ids = tensor(new[] { 1L << 40, 5L }))
        using (var mask = tensor(new[] { true, false }))
        using (var w = tensor(new[] { 0.5f }))
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["ids"] = ids, ["mask"] = mask, ["w"] = w });

        var loaded = SafeTensors.Load(path, ScalarType.Float16);
        try
        {
            Assert.Equal(ScalarType.Int64, loaded["ids"].dtype);
            Assert.Equal(new[] { 1L << 40, 5L }, loaded["ids"].data<long>().ToArray());
            Assert.Equal(ScalarType.Bool, loaded["mask"].dtype);
            Assert.Equal(ScalarType.Float16, loaded["w"].dtype);
            Assert.Equal(RawSafeTensors.UInt16s(0x3800), Bytes(loaded["w"])); // 0.5 in f16
        }
        finally { DisposeAll(loaded.Values); }
    }

    [Fact]
    public void NonContiguousAndGradTensorsAreSavedByValue()
    {
        using var dir = new TempDir();
        var path = dir.File("nc.safetensors");
        using var matrix = arange(6, ScalarType.Float32).reshape(2, 3);
        using var transposed = matrix.t();
        using var param = new TorchSharp.Modules.Parameter(ones(2));
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["t"] = transposed, ["p"] = param });

        var loaded = SafeTensors.Load(path);
        try
        {
            Assert.Equal(new long[] { 3, 2 }, loaded["t"].shape);
            Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, loaded["t"].data<float>().ToArray());
            Assert.False(loaded["p"].requires_grad);
            Assert.Equal(new float[] { 1, 1 }, loaded["p"].data<float>().ToArray());
        }
        finally { DisposeAll(loaded.Values); }
    }

    [Fact]
    public void MetadataRoundTrips()
    {
        using var dir = new TempDir();
        var path = dir.File("meta.safetensors");
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "héllo \"quoted\" a+b\n", ["empty"] = "" };
        using (var w = ones(1))
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = w }, metadata);

        var header = SafeTensors.ReadHeader(path);
        Assert.Equal(metadata.OrderBy(kv => kv.Key), header.Metadata.OrderBy(kv => kv.Key));
        Assert.Equal("pt", RawSafeTensors.Parse(path).Header["__metadata__"]!["format"]!.GetValue<string>());
    }

    [Fact]
    public void NoMetadataMeansNoMetadataEntry()
    {
        using var dir = new TempDir();
        var path = dir.File("plain.safetensors");
        using (var w = ones(1))
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = w });
        Assert.False(RawSafeTensors.Parse(path).Header.ContainsKey("__metadata__"));
        Assert.Empty(SafeTensors.ReadHeader(path).Metadata);
    }

    [Fact]
    public void LoadWithNamesReadsOnlyThose()
    {
        using var dir = new TempDir();
        var path = dir.File("sub.safetensors");
        using (var a = ones(2)) using (var b = zeros(3))
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b });

        var loaded = SafeTensors.Load(path, names: ["b"]);
        Assert.Equal(["b"], loaded.Keys);
        DisposeAll(loaded.Values);

        var e = Assert.Throws<CheckpointFormatException>(() => SafeTensors.Load(path, names: ["c"]));
        Assert.Contains("no tensor named 'c'", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void SaveOverwritesAtomicallyAndLeavesNoTemporaryFiles()
    {
        using var dir = new TempDir();
        var path = dir.File("w.safetensors");
        using (var first = ones(4)) SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = first });
        using (var second = full(2, 7f)) SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = second });

        Assert.Equal(["w.safetensors"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        var loaded = SafeTensors.Load(path);
        using var w = loaded["w"];
        Assert.Equal(new float[] { 7, 7 }, w.data<float>().ToArray());
    }

    [Fact]
    public void SavingAnUnsupportedDTypeFailsWithoutWritingAFile()
    {
        using var dir = new TempDir();
        var path = dir.File("c.safetensors");
        using var complex = zeros(2, ScalarType.ComplexFloat32);
        var e = Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, new Dictionary<string, Tensor> { ["c"] = complex }));
        Assert.Contains("'c'", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }
}
