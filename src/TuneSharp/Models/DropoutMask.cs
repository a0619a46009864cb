using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>
/// Inverted-dropout masks: each element is 0 with probability p and 1/(1-p) otherwise, drawn in parallel from a
/// counter-based generator. Written by hand because libtorch's CPU <c>bernoulli_</c> (what <c>nn.Dropout</c> uses)
/// draws every element from one Mersenne Twister on one thread: 60 ms for the 6.3 M attention probabilities of one
/// MiniLM layer at batch 32 × length 128, about a quarter of a whole training step's time over all dropouts; this
/// fills the same mask in about 2 ms.
/// </summary>
/// <remarks>
/// Element i of a mask gets 32 bits of SplitMix64(seed + ⌊i/2⌋·γ) (the low half for even i, the high half for odd i),
/// so the mask depends only on the seed, never on the number of threads. The seed is drawn from torch's default CPU
/// generator, so <c>manual_seed</c>, saved RNG states (exact resume) and gradient checkpointing's RNG restore
/// reproduce masks exactly, as they do for libtorch's own dropout.
/// </remarks>
public static class DropoutMask
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;
    private const ulong Mix1 = 0xBF58476D1CE4E5B9UL;
    private const ulong Mix2 = 0x94D049BB133111EBUL;
    private const long ElementsPerTask = 1 << 16;

    /// <summary>True when masks for <paramref name="like"/> can be made here (a CPU tensor whose mask fits one buffer).</summary>
    public static bool Supports(Tensor like) =>
        like.device_type == DeviceType.CPU && like.numel() * sizeof(float) <= int.MaxValue;

    /// <summary>A new float32 mask of <paramref name="shape"/>: 0 with probability <paramref name="p"/>, else 1/(1-p).</summary>
    public static Tensor Create(long[] shape, double p)
    {
        if (!(p >= 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1)");
        var seed = NextSeed();
        var mask = empty(shape, ScalarType.Float32);
        var n = mask.numel();
        if (n == 0) return mask;
        // Drop when the 32-bit draw is below round(p·2³²): the drop rate differs from p by less than 2⁻³².
        var threshold = (uint)Math.Min(uint.MaxValue, Math.Round(p * 4294967296.0));
        var keepValue = (float)(1.0 / (1.0 - p));
        unsafe
        {
            fixed (byte* bytes = mask.bytes)
            {
                var data = (float*)bytes;
                ElementRanges.ForEach(n, ElementsPerTask, (start, end) => Fill(data, start, end, seed, threshold, keepValue));
            }
        }
        return mask;
    }

    private static ulong NextSeed()
    {
        using var draw = randint(0, long.MaxValue, [1], ScalarType.Int64);
        return (ulong)draw.item<long>();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Fill(float* data, long start, long end, ulong seed, uint threshold, float keepValue)
    {
        var i = start;
        if (Vector512.IsHardwareAccelerated)
        {
            // 8 draws of 64 bits give 16 mask values per iteration.
            var lanes = Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7);
            var thresholds = Vector512.Create(threshold);
            var keep = Vector512.Create(keepValue);
            for (; i + 16 <= end; i += 16)
            {
                var z = Vector512.Create(seed) + (Vector512.Create((ulong)(i >> 1)) + lanes) * Vector512.Create(Gamma);
                z = (z ^ (z >> 30)) * Vector512.Create(Mix1);
                z = (z ^ (z >> 27)) * Vector512.Create(Mix2);
                z ^= z >> 31;
                var kept = Vector512.GreaterThanOrEqual(z.AsUInt32(), thresholds).AsSingle();
                Vector512.ConditionalSelect(kept, keep, Vector512<float>.Zero).Store(data + i);
            }
        }
        for (; i < end; i++)
        {
            var z = seed + (ulong)(i >> 1) * Gamma;
            z = (z ^ (z >> 30)) * Mix1;
            z = (z ^ (z >> 27)) * Mix2;
            z ^= z >> 31;
            var draw = (i & 1) == 0 ? (uint)z : (uint)(z >> 32);
            data[i] = draw >= threshold ? keepValue : 0f;
        }
    }
}
