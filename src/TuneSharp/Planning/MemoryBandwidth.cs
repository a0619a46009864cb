using System.Diagnostics;
using static TorchSharp.torch;

namespace TuneSharp.Planning;

/// <summary>
/// How fast this machine streams memory through libtorch (a large tensor copy), measured. Work that touches every
/// trainable parameter once per step without much arithmetic — AdamW's update, zeroing and clipping gradients — runs at
/// this speed, not at the matrix-multiply rate, and it is most of a step's time when the batches are short.
/// </summary>
public static class MemoryBandwidth
{
    /// <summary>Best GB/s (bytes read plus bytes written) over a few copies of <paramref name="megabytes"/> MB.</summary>
    public static double Measure(int megabytes = 64, int rounds = 16)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var elements = megabytes * (1L << 20) / 4;
        var source = ones(elements);
        var target = zeros(elements);
        for (var i = 0; i < 3; i++) target.copy_(source); // warm-up: pages mapped, threads started
        var best = double.MaxValue;
        for (var r = 0; r < rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            target.copy_(source);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * elements * 4 / best / 1e9;
    }
}
