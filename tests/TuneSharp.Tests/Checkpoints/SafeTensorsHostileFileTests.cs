using System.Buffers.Binary;
using TuneSharp.Checkpoints;

namespace TuneSharp.Tests.Checkpoints;

/// <summary>Malformed and hostile files give a CheckpointFormatException naming the file and the problem.</summary>
public class SafeTensorsHostileFileTests
{
    private const string F32x2 = """{"dtype":"F32","shape":[2],"data_offsets":[0,8]}""";

    [Theory]
    [InlineData("""{"w":""", 8, "the header is not valid JSON")]
    [InlineData("""[1,2]""", 8, "the header must be a JSON object but is a JSON array")]
    [InlineData("""{"w":3}""", 8, "tensor 'w' must be an object with dtype, shape and data_offsets but is a JSON number")]
    [InlineData("""{"w":{"shape":[2],"data_offsets":[0,8]}}""", 8, "tensor 'w' has no 'dtype' field")]
    [InlineData("""{"w":{"dtype":"F32","data_offsets":[0,8]}}""", 8, "tensor 'w' has no 'shape' field")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2]}}""", 8, "tensor 'w' has no 'data_offsets' field")]
    [InlineData("""{"w":{"dtype":4,"shape":[2],"data_offsets":[0,8]}}""", 8, "tensor 'w' field 'dtype' must be a string but is a JSON number")]
    [InlineData("""{"w":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}}""", 8, "unsupported dtype 'F8_E4M3'")]
    [InlineData("""{"w":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}""", 8, "field 'shape' must be an array of integers but is a JSON string")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", 8, "field 'shape' entry 0 is -2; expected a non-negative integer")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}""", 8, "field 'shape' entry 0 is 2.5; expected a non-negative integer")]
    [InlineData("""{"w":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}}""", 8, "field 'shape' entry 0 is 99999999999999999999")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4611686018427387904,4611686018427387904],"data_offsets":[0,8]}}""", 8, "is too large (its byte size overflows 64 bits)")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", 8, "data_offsets [0, 4] span 4 bytes, but dtype F32 with shape [2] needs 8 bytes")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}""", 8, "field 'data_offsets' must be [begin, end] but has 3 entries")]
    [InlineData("""{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}""", 8, "tensor 'w' field 'data_offsets' [8, 0] ends before it begins")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", 8, "run past the end of the data section (8 bytes)")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12, "tensors 'a' [0, 8] and 'b' [4, 12] overlap")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12, "data bytes [4, 8) belong to no tensor")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 12, "4 trailing bytes belong to no tensor")]
    [InlineData("{\"w\":" + F32x2 + ",\"w\":" + F32x2 + "}", 8, "the header names 'w' more than once")]
    [InlineData("""{"w":{"dtype":"I64","dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, "tensor 'w' has the field 'dtype' more than once")]
    [InlineData("{\"__metadata__\":{\"a\":1},\"w\":" + F32x2 + "}", 8, "'__metadata__' entry 'a' must be a string but is a JSON number")]
    [InlineData("{\"__metadata__\":[],\"w\":" + F32x2 + "}", 8, "'__metadata__' must be an object of strings but is a JSON array")]
    public void MalformedHeaderIsRejectedWithItsReason(string header, int dataBytes, string expected)
    {
        using var dir = new TempDir();
        var path = RawSafeTensors.Write(dir, "bad.safetensors", header, new byte[dataBytes]);
        AssertRejected(path, expected);
    }

    [Fact]
    public void FileShorterThanTheLengthPrefix()
    {
        using var dir = new TempDir();
        var path = dir.File("tiny.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);
        AssertRejected(path, "the file is 3 bytes long, too short for the 8-byte header length");
    }

    [Fact]
    public void HeaderLengthBeyondTheFile()
    {
        using var dir = new TempDir();
        var path = RawSafeTensors.Write(dir, "long.safetensors", "{}", [], forgedHeaderLength: 1000);
        AssertRejected(path, "the header length is 1000 bytes but only 2 bytes follow it");
    }

    [Fact]
    public void AbsurdHeaderLengthIsRejectedBeforeAllocating()
    {
        using var dir = new TempDir();
        var path = RawSafeTensors.Write(dir, "huge.safetensors", "{}", [], forgedHeaderLength: ulong.MaxValue);
        AssertRejected(path, $"the header length is {ulong.MaxValue} bytes, more than the 100 MB limit");
    }

    [Fact]
    public void HeaderLengthOverTheCapIsRejectedEvenWhenTheFileIsThatLarge()
    {
        using var dir = new TempDir();
        var path = dir.File("sparse.safetensors");
        using (var stream = new FileStream(path, FileMode.CreateNew))
        {
            var prefix = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, 150UL * 1024 * 1024);
            stream.Write(prefix);
            stream.SetLength(200L * 1024 * 1024); // sparse on Linux: no 200 MB written
        }
        AssertRejected(path, $"the header length is {150L * 1024 * 1024} bytes, more than the 100 MB limit");
    }

    [Fact]
    public void ZeroHeaderLength()
    {
        using var dir = new TempDir();
        var path = RawSafeTensors.Write(dir, "zero.safetensors", "", new byte[8]);
        AssertRejected(path, "the header is empty (length 0)");
    }

    [Fact]
    public void InvalidUtf8InHeader()
    {
        using var dir = new TempDir();
        var path = dir.File("utf8.safetensors");
        var file = RawSafeTensors.Build("{\"w\u00e9\":1}", []);
        file[8 + 3] = 0xFF; // corrupt the first byte of the two-byte é
        File.WriteAllBytes(path, file);
        AssertRejected(path, "the header is not valid JSON");
    }

    [Fact]
    public void TruncatedData()
    {
        using var dir = new TempDir();
        var header = """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""";
        var full = RawSafeTensors.Build(header, new byte[16]);
        var path = dir.File("cut.safetensors");
        File.WriteAllBytes(path, full[..^3]);
        AssertRejected(path, "tensor 'w' data_offsets [0, 16] run past the end of the data section (13 bytes); the file is truncated");
    }

    [Fact]
    public void BoolTensorWithBytesOtherThanZeroOrOne()
    {
        using var dir = new TempDir();
        var path = RawSafeTensors.Write(dir, "bool.safetensors", """{"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}}""", [1, 2, 0]);
        Assert.Single(SafeTensors.ReadHeader(path).Tensors); // the header alone is fine
        var e = Assert.Throws<CheckpointFormatException>(() => SafeTensors.Load(path));
        Assert.Contains("BOOL tensor 'm' holds bytes other than 0 and 1", e.Message);
    }

    [Fact]
    public void MissingFile()
    {
        using var dir = new TempDir();
        var path = dir.File("absent.safetensors");
        var e = Assert.Throws<CheckpointFormatException>(() => SafeTensors.ReadHeader(path));
        Assert.Contains($"'{path}' does not exist", e.Message);
    }

    private static void AssertRejected(string path, string expected)
    {
        var fromHeader = Assert.Throws<CheckpointFormatException>(() => SafeTensors.ReadHeader(path));
        Assert.Contains(expected, fromHeader.Message);
        Assert.Contains(path, fromHeader.Message);
        var fromLoad = Assert.Throws<CheckpointFormatException>(() => SafeTensors.Load(path));
        Assert.Contains(expected, fromLoad.Message);
    }
}
