namespace TuneSharp;

/// <summary>
/// Keeps a long loop's resident memory flat. Some TorchSharp objects that own native memory are released only by
/// their finalizers (for example the Scalar made implicitly from a number in <c>grad.div_(count)</c>, or inside
/// TorchSharp's optimizers). A training step allocates almost nothing on the managed heap, so the GC never runs, the
/// finalizers never run, and those small native blocks stay scattered through glibc's heap between the large tensor
/// buffers of each step, which glibc then cannot return to the system. Measured on a 2-layer BERT (bench
/// leak-check): resident memory grew by 3.7 MiB per step without this, and stayed flat with a collection every 50 steps.
/// </summary>
public static class NativeMemory
{
    /// <summary>How many loop iterations between two sweeps.</summary>
    public const int SweepInterval = 50;

    /// <summary>Runs a full collection and the pending finalizers when <paramref name="iteration"/> is a multiple of <see cref="SweepInterval"/>.</summary>
    public static void SweepEvery(long iteration)
    {
        if (iteration > 0 && iteration % SweepInterval == 0) Sweep();
    }

    /// <summary>Runs a full collection and the pending finalizers now (a few milliseconds: the managed heap is small).</summary>
    public static void Sweep()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }
}
