using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>
/// Splits the elements [0, n) of a tensor that hand-written kernels (<see cref="DropoutMask"/>,
/// <see cref="Training.FusedAdamW"/>) walk through into one range per libtorch intra-op thread, and runs them in
/// parallel; small tensors stay in one range on the calling thread.
/// </summary>
internal static class ElementRanges
{
    /// <summary>Calls <paramref name="body"/>(start, end) for consecutive ranges covering [0, <paramref name="count"/>), each at least <paramref name="minPerRange"/> long.</summary>
    public static void ForEach(long count, long minPerRange, Action<long, long> body)
    {
        var ranges = (int)Math.Min(Math.Max(1, get_num_threads()), (count + minPerRange - 1) / minPerRange);
        if (ranges <= 1)
        {
            body(0, count);
            return;
        }
        // Boundaries on multiples of 16 elements: whole 512-bit vectors, and never half of DropoutMask's 64-bit draw.
        var perRange = ((count + ranges - 1) / ranges + 15) & ~15L;
        Parallel.For(0, ranges, r => body(r * perRange, Math.Min(count, (r + 1) * perRange)));
    }
}
