using System.Diagnostics;
using static TorchSharp.torch;

namespace TuneSharp.Planning;

/// <summary>
/// libtorch's matrix-multiply throughput on this machine, measured: the hardware limit that training time is
/// estimated from (and that the benchmarks' model FLOPs utilisation is relative to). Machines differ by more than
/// any table could say (vector units, cores, other load), so it is timed rather than looked up.
/// </summary>
public static class MatmulThroughput
{
    /// <summary>Best GFLOP/s over a few repetitions of [m,k]×[k,n] in <paramref name="dtype"/> (a BERT-layer-like shape by default).</summary>
    public static double Measure(ScalarType dtype = ScalarType.Float32, long m = 4096, long k = 384, long n = 1536, int repetitions = 20, int rounds = 5)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = randn(m, k).to_type(dtype);
        var b = randn(k, n).to_type(dtype);
        for (var i = 0; i < 3; i++) matmul(a, b).Dispose(); // warm-up: thread pool, kernel selection
        var best = double.MaxValue;
        for (var r = 0; r < rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < repetitions; i++) matmul(a, b).Dispose();
            best = Math.Min(best, clock.Elapsed.TotalSeconds / repetitions);
        }
        return 2.0 * m * k * n / best / 1e9;
    }
}
