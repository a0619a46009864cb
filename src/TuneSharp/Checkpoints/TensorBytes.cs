using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace TuneSharp.Checkpoints;

/// <summary>
/// Moves raw bytes between files and contiguous CPU tensor storage without an intermediate managed copy:
/// <c>Tensor.bytes</c> is a span over the tensor's own memory. Spans are limited to 2 GB, so large tensors
/// go through 1-D slices of a flat view, each a span over part of the same storage.
/// </summary>
internal static class TensorBytes
{
    private const long ChunkBytes = 1L << 30;

    /// <summary>Reads <paramref name="tensor"/>'s bytes (a fresh contiguous CPU tensor) from <paramref name="fileOffset"/>.</summary>
    public static void ReadInto(torch.Tensor tensor, SafeFileHandle handle, long fileOffset, string path)
    {
        ForEachChunk(tensor, (span, offsetInTensor) => CheckpointFiles.ReadExactly(handle, span, fileOffset + offsetInTensor, path));
    }

    /// <summary>Writes the bytes of a contiguous CPU tensor to <paramref name="stream"/>.</summary>
    public static void WriteFrom(torch.Tensor tensor, Stream stream)
    {
        ForEachChunk(tensor, (span, _) => stream.Write(span));
    }

    /// <summary>True when every byte is 0 or 1, the only valid bool encodings (others are undefined in libtorch).</summary>
    public static bool AreValidBools(torch.Tensor tensor)
    {
        var valid = true;
        ForEachChunk(tensor, (span, _) => valid &= !span.ContainsAnyExceptInRange((byte)0, (byte)1));
        return valid;
    }

    private delegate void ChunkAction(Span<byte> span, long offsetInTensor);

    private static void ForEachChunk(torch.Tensor tensor, ChunkAction action)
    {
        var totalBytes = tensor.NumberOfElements * tensor.ElementSize;
        if (totalBytes == 0) return;
        if (totalBytes <= ChunkBytes)
        {
            action(tensor.bytes, 0);
            return;
        }
        using var flat = tensor.view(-1);
        var elementsPerChunk = ChunkBytes / tensor.ElementSize;
        for (long start = 0; start < tensor.NumberOfElements; start += elementsPerChunk)
        {
            using var part = flat.narrow(0, start, Math.Min(elementsPerChunk, tensor.NumberOfElements - start));
            action(part.bytes, start * tensor.ElementSize);
        }
    }
}
