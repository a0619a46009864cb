using System.Buffers.Binary;
using System.Diagnostics;
using TorchSharp;
using TuneSharp.Checkpoints;
using Xunit.Abstractions;
using static TorchSharp.torch;
using static TuneSharp.Tests.Checkpoints.TensorTestUtil;

namespace TuneSharp.Tests.Checkpoints;

/// <summary>
/// Random corruption of a valid file (seeded, so failures reproduce): whatever the bytes, loading either
/// succeeds or throws CheckpointFormatException, never another exception, a crash or a hang.
/// </summary>
public class SafeTensorsFuzzTests(ITestOutputHelper output)
{
    private const int Iterations = 3000;

    [Fact]
    public void CorruptedFilesOnlyEverThrowCheckpointFormatException()
    {
        using var dir = new TempDir();
        var validPath = dir.File("valid.safetensors");
        using (var a = arange(6, ScalarType.Float32).reshape(2, 3))
        using (var b = FromBits([0x3F80, 0x4000, 0xC040, 0x0001], ScalarType.BFloat16))
        using (var c = tensor(new[] { 3L, -4L }))
        using (var d = tensor(new[] { true, false, true }))
            SafeTensors.Save(validPath, new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b, ["c"] = c, ["d"] = d },
                new Dictionary<string, string> { ["format"] = "pt" });
        var valid = File.ReadAllBytes(validPath);
        var headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        DisposeAll(SafeTensors.Load(validPath).Values); // the unmodified file loads

        var random = new Random(20240607);
        var jsonBytes = "{}[]\",:-.0123456789eE \\u\"dtype\"shape\"data_offsets\"F32BF16BOOL"u8.ToArray();
        var path = dir.File("fuzz.safetensors");
        int loaded = 0, rejected = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Iterations; i++)
        {
            var bytes = Mutate(valid, headerEnd, random, jsonBytes);
            File.WriteAllBytes(path, bytes);
            try
            {
                DisposeAll(SafeTensors.Load(path, ScalarType.Float32).Values);
                loaded++;
            }
            catch (CheckpointFormatException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                File.WriteAllBytes(dir.File("failing.bin"), bytes);
                Assert.Fail($"Iteration {i} threw {e.GetType().Name} instead of CheckpointFormatException: {e}");
            }
        }
        output.WriteLine($"{Iterations} mutated files in {clock.ElapsedMilliseconds} ms: {loaded} loaded, {rejected} rejected.");
        Assert.True(rejected > Iterations / 2, $"only {rejected} of {Iterations} mutations were rejected; the mutator is too weak");
    }

    private static byte[] Mutate(byte[] valid, int headerEnd, Random random, byte[] jsonBytes)
    {
        var bytes = (byte[])valid.Clone();
        switch (random.Next(6))
        {
            case 0: // random bytes anywhere
                for (var n = random.Next(1, 4); n > 0; n--) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                break;
            case 1: // JSON-ish characters in the header, to reach deeper parser states
                for (var n = random.Next(1, 3); n > 0; n--) bytes[random.Next(8, headerEnd)] = jsonBytes[random.Next(jsonBytes.Length)];
                break;
            case 2: // truncation
                bytes = bytes[..random.Next(bytes.Length)];
                break;
            case 3: // forged length prefix
                bytes[random.Next(8)] = (byte)random.Next(256);
                break;
            case 4: // a digit in the header changed to another digit: offsets/shapes that still parse
                var digits = Enumerable.Range(8, headerEnd - 8).Where(p => bytes[p] is >= (byte)'0' and <= (byte)'9').ToList();
                bytes[digits[random.Next(digits.Count)]] = (byte)('0' + random.Next(10));
                break;
            default: // mutation and truncation together
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                bytes = bytes[..random.Next(1, bytes.Length + 1)];
                break;
        }
        return bytes;
    }
}
