using System.Diagnostics;
using static TorchSharp.torch;

namespace TuneSharp.Bench;

/// <summary>
/// The hardware limit every speed is compared with: libtorch matmul throughput on shapes like a BERT layer's
/// (tokens × hidden → intermediate), measured in the same run because these machines are noisy.
/// </summary>
internal static class GemmPeak
{
    /// <summary>Best GFLOP/s over a few repetitions of [m,k]×[k,n] in <paramref name="dtype"/>.</summary>
    public static double Measure(ScalarType dtype, long m = 4096, long k = 384, long n = 1536, int repetitions = 20)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = randn(m, k).to_type(dtype);
        var b = randn(k, n).to_type(dtype);
        for (var i = 0; i < 3; i++) matmul(a, b).Dispose(); // warm-up: thread pool, kernel selection
        var best = double.MaxValue;
        for (var r = 0; r < 5; r++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < repetitions; i++) matmul(a, b).Dispose();
            best = Math.Min(best, clock.Elapsed.TotalSeconds / repetitions);
        }
        return 2.0 * m * k * n / best / 1e9;
    }
}
