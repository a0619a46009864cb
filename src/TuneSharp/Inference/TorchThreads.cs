using static TorchSharp.torch;

namespace TuneSharp.Inference;

/// <summary>
/// Chooses libtorch's intra-op thread count. Tiny models (a few million parameters) run each operator in
/// microseconds, where OpenMP's hand-off and spin-waiting cost more than the work: measured here, 200 tokens
/// from the 260K-parameter stories model took 1.2 s with one thread and 9.9 s with two on a busy 2-core
/// machine. Larger models use every core. An explicit OMP_NUM_THREADS is always respected.
/// </summary>
public static class TorchThreads
{
    /// <summary>Models below this many parameters run single-threaded.</summary>
    public const long SmallModelParameters = 5_000_000;

    /// <summary>Sets the thread count for a model of <paramref name="parameters"/> parameters and returns it.</summary>
    public static int ConfigureFor(long parameters)
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("OMP_NUM_THREADS"), out var fixedCount) && fixedCount > 0)
        {
            set_num_threads(fixedCount);
            return fixedCount;
        }
        var threads = parameters < SmallModelParameters ? 1 : Environment.ProcessorCount;
        set_num_threads(threads);
        return threads;
    }
}
