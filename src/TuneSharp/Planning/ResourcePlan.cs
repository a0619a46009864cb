using System.Globalization;

namespace TuneSharp.Planning;

/// <summary>Whether a planned run fits this machine's memory.</summary>
public enum MemoryVerdict
{
    /// <summary>The estimated peak fits in the memory available now.</summary>
    Fits,
    /// <summary>It fits the machine's memory but not what is free now: other programs would be pushed to swap, or it would be.</summary>
    Tight,
    /// <summary>The estimated peak is larger than the machine's memory: the run would swap heavily or be killed.</summary>
    DoesNotFit,
}

/// <summary>
/// What a training run will need, estimated before it starts (<see cref="ResourcePlanner"/>): memory at the peak of a
/// step and what it is made of, disk for checkpoints and the final model, and time. All sizes in bytes.
/// </summary>
public sealed record ResourcePlan
{
    /// <summary>Resident memory of the process when the plan was made: runtime, loaded model, tokenized data.</summary>
    public required long ProcessBytes { get; init; }
    /// <summary>Parameters and buffers, as loaded.</summary>
    public required long WeightBytes { get; init; }
    /// <summary>Parameters that train.</summary>
    public required long TrainableParameters { get; init; }
    /// <summary>Gradients of the trainable parameters.</summary>
    public required long GradientBytes { get; init; }
    /// <summary>AdamW's two moment estimates per trainable parameter (fp32).</summary>
    public required long OptimizerBytes { get; init; }
    /// <summary>bf16 copies of the weights that autocast keeps during a step (0 in fp32).</summary>
    public required long AutocastCopyBytes { get; init; }
    /// <summary>Activations kept for the backward pass of the longest batch (see <see cref="ActivationMemory"/>); null when the architecture is not known.</summary>
    public required long? ActivationBytes { get; init; }
    /// <summary>Batch size and padded length of the longest batch.</summary>
    public required (int Batch, int Length) LongestBatch { get; init; }
    /// <summary>Estimated resident memory at the peak of a training step, with a caching allocator (tcmalloc, as <c>./tunesharp</c> runs).</summary>
    public long PeakBytes => ProcessBytes + GradientBytes + OptimizerBytes + AutocastCopyBytes + (ActivationBytes ?? 0);

    /// <summary>
    /// How much higher the peak may run with this process's C allocator: 1 for a caching one (tcmalloc, jemalloc,
    /// mimalloc), <see cref="ResourcePlanner.GlibcPeakFactor"/> with glibc's malloc, whose returned and fragmented
    /// buffers measured 1.2–1.7× the estimate (bench plan-accuracy, plan_accuracy_glibc.md).
    /// </summary>
    public double AllocatorFactor { get; init; } = 1.0;

    /// <summary>The peak allowing for the allocator (<see cref="AllocatorFactor"/>).</summary>
    public long PeakBytesUpperBound => (long)(PeakBytes * AllocatorFactor);

    /// <summary>The machine the plan was made for.</summary>
    public required MachineResources Machine { get; init; }
    /// <summary>See <see cref="MemoryVerdict"/>. Only the estimate itself can make a run not fit; the allocator's upper bound can make it tight.</summary>
    public MemoryVerdict Verdict =>
        PeakBytes > Machine.TotalMemoryBytes ? MemoryVerdict.DoesNotFit
        : PeakBytesUpperBound - ProcessBytes > Machine.AvailableMemoryBytes || PeakBytesUpperBound > Machine.TotalMemoryBytes ? MemoryVerdict.Tight
        : MemoryVerdict.Fits;

    /// <summary>One checkpoint folder: weights (or only the adapter), optimizer state and the small trainer files.</summary>
    public required long CheckpointBytes { get; init; }
    /// <summary>Checkpoints on disk at once at the worst moment (save_total_limit, plus the one being written).</summary>
    public required int CheckpointsAtOnce { get; init; }
    /// <summary>The final model (or adapter) written to the output folder.</summary>
    public required long FinalModelBytes { get; init; }
    /// <summary>Disk the run needs at its fullest.</summary>
    public long DiskBytes => CheckpointBytes * CheckpointsAtOnce + FinalModelBytes;
    /// <summary>Free space where the output goes; null when unknown.</summary>
    public required long? FreeDiskBytes { get; init; }

    /// <summary>Optimizer steps and the tokens (padding included) they process.</summary>
    public required int Steps { get; init; }
    public required long TrainTokens { get; init; }
    /// <summary>Arithmetic of the whole run: training steps and evaluations.</summary>
    public required double Flops { get; init; }
    /// <summary>Measured matrix-multiply throughput of this machine in the training dtype (GFLOP/s).</summary>
    public required double MatmulGflops { get; init; }
    /// <summary>Bytes each optimizer step streams through memory for the parameter update (see <see cref="ResourcePlanner.UpdateBytesPerParameter"/>).</summary>
    public required long UpdateBytesPerStep { get; init; }
    /// <summary>Measured memory bandwidth (GB/s).</summary>
    public required double MemoryGBps { get; init; }
    /// <summary>
    /// Expected wall-clock time: <see cref="Flops"/> at <see cref="ResourcePlanner.ExpectedUtilization"/> of the measured
    /// matrix-multiply throughput, plus every step's parameter update at the measured memory bandwidth.
    /// </summary>
    public TimeSpan EstimatedTime => TimeSpan.FromSeconds(
        Flops / (MatmulGflops * 1e9 * ResourcePlanner.ExpectedUtilization) + (double)Steps * UpdateBytesPerStep / (MemoryGBps * 1e9));

    /// <summary>Changes that would make a run that does not fit fit, each with its estimated peak; empty when it fits.</summary>
    public IReadOnlyList<string> Advice { get; init; } = [];

    /// <summary>Human-readable lines: memory, disk, time and, when it does not fit, what to change.</summary>
    public IReadOnlyList<string> Describe()
    {
        var verdict = Verdict switch
        {
            MemoryVerdict.Fits => "fits",
            MemoryVerdict.Tight => "more than is free now",
            _ => "DOES NOT FIT in this machine's memory",
        };
        var lines = new List<string>
        {
            $"plan: peak memory ≈ {Bytes(PeakBytes)}" + (AllocatorFactor > 1 ? $" (up to {Bytes(PeakBytesUpperBound)} with glibc's malloc; ./tunesharp uses tcmalloc)" : "") +
            $" of {Bytes(Machine.TotalMemoryBytes)} ({Bytes(Machine.AvailableMemoryBytes)} free): {verdict}",
            $"  process now {Bytes(ProcessBytes)} (weights {Bytes(WeightBytes)}), gradients {Bytes(GradientBytes)}, AdamW state {Bytes(OptimizerBytes)}" +
            (AutocastCopyBytes > 0 ? $", bf16 weight copies {Bytes(AutocastCopyBytes)}" : "") +
            (ActivationBytes is { } a ? $", activations {Bytes(a)} (batch {LongestBatch.Batch} × {LongestBatch.Length} tokens)" : ", activations unknown for this architecture"),
            $"  disk: {Bytes(DiskBytes)} ({CheckpointsAtOnce} checkpoint{(CheckpointsAtOnce == 1 ? "" : "s")} of {Bytes(CheckpointBytes)} at once, final model {Bytes(FinalModelBytes)})" +
            (FreeDiskBytes is { } free ? $" of {Bytes(free)} free{(DiskBytes > free ? ": NOT ENOUGH" : "")}" : ""),
            string.Create(CultureInfo.InvariantCulture,
                $"  time: ≈ {Duration(EstimatedTime)} for {Steps:N0} steps ({TrainTokens:N0} tokens, {Flops:0.##e0} FLOPs at {ResourcePlanner.ExpectedUtilization:P0} of the measured {MatmulGflops:0} GFLOP/s; parameter updates at {MemoryGBps:0} GB/s)"),
        };
        lines.AddRange(Advice.Select(a => "  try: " + a));
        return lines;
    }

    internal static string Bytes(long b) => b switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{b / (double)(1L << 30):0.0} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{b / (double)(1L << 20):0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{b / 1024.0:0} KiB"),
    };

    private static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes} min" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes} min {t.Seconds} s" : $"{Math.Max(1, (int)t.TotalSeconds)} s";
}
