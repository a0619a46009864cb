using TuneSharp.Architectures;
using TorchSharp;
using TuneSharp.Models;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Planning;

/// <summary>What <see cref="ResourcePlanner.Plan"/> needs to know about a run that is about to start.</summary>
public sealed record ResourcePlanInputs
{
    /// <summary>The model as it will train: pretrained weights loaded, PEFT applied (requires_grad set).</summary>
    public required nn.Module Model { get; init; }
    public required PretrainedConfig Config { get; init; }
    public required TrainingArguments Args { get; init; }
    /// <summary>The training task: its batches give the exact padded token counts.</summary>
    public required ITrainingTask Task { get; init; }
    /// <summary>Tokens per training example (after truncation).</summary>
    public required IReadOnlyList<int> TrainLengths { get; init; }
    /// <summary>Positions the model adds to every example (prompt tuning's virtual tokens).</summary>
    public int ExtraPositions { get; init; }
    /// <summary>Whether checkpoints hold only the trainable parameters (LoRA, adapters, prompt tuning) rather than the whole model.</summary>
    public bool CheckpointsHoldOnlyTrainable { get; init; }
    /// <summary>This machine; <see cref="MachineResources.Current"/> when null.</summary>
    public MachineResources? Machine { get; init; }
    /// <summary>Resident bytes of the process now; <see cref="Environment.WorkingSet"/> when null.</summary>
    public long? ProcessBytes { get; init; }
    /// <summary>Matrix-multiply GFLOP/s in the training dtype; measured (≈ 0.3 s) when null.</summary>
    public double? MatmulGflops { get; init; }
    /// <summary>Memory bandwidth in GB/s; measured (≈ 0.1 s) when null.</summary>
    public double? MemoryGBps { get; init; }
    /// <summary>The C allocator serving tensor buffers ("tcmalloc", "system" ...); <see cref="NativeAllocator.Current"/> when null.</summary>
    public string? Allocator { get; init; }
}

/// <summary>
/// Answers "can I do this on my PC?" before a run starts: estimates peak memory (the process as it is, plus gradients,
/// AdamW state and the activations of the longest batch), disk for checkpoints, and time from the run's FLOPs and this
/// machine's measured matrix-multiply throughput, plus the parameter updates at its measured memory bandwidth.
/// Estimates are checked against measured runs by <c>bench/run plan-accuracy</c>.
/// </summary>
public static partial class ResourcePlanner
{
    /// <summary>
    /// The share of the measured matrix-multiply peak that a whole training step achieves (model FLOPs utilisation):
    /// 0.55–0.65 measured for all-MiniLM-L6-v2 at length 128 (bench training-throughput); 0.5 leaves room for shorter
    /// sequences and evaluation, so time estimates err long.
    /// </summary>
    public const double ExpectedUtilization = 0.5;

    /// <summary>
    /// With glibc's malloc, measured peaks ran 1.22–1.67× the estimate (which matches tcmalloc within 5%):
    /// bench/results/plan_accuracy_glibc.md. Used as the upper bound of <see cref="ResourcePlan.PeakBytesUpperBound"/>.
    /// </summary>
    public const double GlibcPeakFactor = 1.7;

    /// <summary>
    /// Bytes an optimizer step moves per trainable parameter outside the matrix products, all fp32: AdamW reads the
    /// parameter, its gradient and both moments and writes back the parameter and the moments (28), clipping reads the
    /// gradient (4) and zeroing writes it (4). At short lengths this memory-bound work is a large share of a step.
    /// </summary>
    public const int UpdateBytesPerParameter = 36;

    private const long TrainerFilesBytes = 1 << 20; // trainer_state.json, scheduler, RNG state, config, tokenizer files: well under this

    /// <summary>Makes the plan.</summary>
    public static ResourcePlan Plan(ResourcePlanInputs inputs)
    {
        // Before the throughput measurements below: their buffers stay in the allocator's cache and would count twice.
        var processBytes = inputs.ProcessBytes ?? Environment.WorkingSet;
        var args = inputs.Args;
        var parameters = inputs.Model.named_parameters().ToList();
        long weightBytes = parameters.Sum(p => p.parameter.numel() * p.parameter.element_size())
                           + inputs.Model.buffers().Sum(b => b.numel() * b.element_size());
        var trainable = parameters.Where(p => p.parameter.requires_grad).ToList();
        long trainableCount = trainable.Sum(p => p.parameter.numel());
        long trainableBytes = trainable.Sum(p => p.parameter.numel() * p.parameter.element_size());
        var (hidden, layers) = Shape(inputs.Config);
        var lookups = LookupTableNames(inputs.Model);
        var layersWithGradient = LayersWithGradient(trainable.Select(p => p.name), layers, lookups);

        // The longest batch: group_by_length batches hold examples of similar length, so the longest holds the longest
        // examples; without grouping any batch may contain the longest one. Either way it is padded to that length.
        var batch = Math.Min(args.PerDeviceTrainBatchSize, inputs.TrainLengths.Count);
        var longest = (inputs.TrainLengths.Count == 0 ? 0 : inputs.TrainLengths.Max()) + inputs.ExtraPositions;
        var weightMatricesTrain = WeightMatricesTrain(trainable);
        long? Activations(int b, int length, bool checkpointing) =>
            ActivationMemory.PeakBytes(inputs.Config, b, length, layersWithGradient, checkpointing, weightMatricesTrain)
            + inputs.Task.OutputActivationBytes(b, length);
        var activations = Activations(batch, longest, args.GradientCheckpointing);
        var autocastCopies = args.Bf16 ? parameters.Where(p => p.parameter.dim() == 2).Sum(p => p.parameter.numel() * 2) : 0;

        var checkpoint = (inputs.CheckpointsHoldOnlyTrainable ? trainableBytes : weightBytes) + 2 * trainableCount * 4 + TrainerFilesBytes;
        var finalModel = (inputs.CheckpointsHoldOnlyTrainable ? trainableBytes : weightBytes) + TrainerFilesBytes;

        var plan = TrainingPlan.For(args, inputs.Task.TrainExampleCount);
        var tokensPerEpoch = inputs.Task.TrainBatches(0, args.PerDeviceTrainBatchSize, args.Seed, args.GroupByLength)
            .Sum(b => (long)b.Length * (b.Max(i => inputs.TrainLengths[i]) + inputs.ExtraPositions));
        var batchesPerEpoch = Math.Max(1, plan.BatchesPerEpoch);
        var trainBatches = (long)plan.TotalSteps * args.GradientAccumulationSteps;
        var trainTokens = tokensPerEpoch * trainBatches / batchesPerEpoch;
        var averageLength = tokensPerEpoch / (double)Math.Max(1, inputs.TrainLengths.Count);
        var nonEmbedding = parameters.Where(p => !lookups.Contains(p.name)).Sum(p => p.parameter.numel());
        var flops = TrainingFlops(nonEmbedding, hidden, layers, trainableCount, layersWithGradient, averageLength, args.GradientCheckpointing) * trainTokens
                    + EvaluationFlops(nonEmbedding, hidden, layers, averageLength) * averageLength * inputs.Task.EvalInputCount * Evaluations(args, plan);

        var machine = inputs.Machine ?? MachineResources.Current();
        var (matmulGflops, memoryGBps) = (inputs.MatmulGflops, inputs.MemoryGBps) is (double m, double b) ? (m, b) : MeasuredMachine(args.Bf16);
        var result = new ResourcePlan
        {
            ProcessBytes = processBytes,
            WeightBytes = weightBytes,
            TrainableParameters = trainableCount,
            GradientBytes = trainableBytes,
            OptimizerBytes = 2 * trainableCount * 4,
            AutocastCopyBytes = autocastCopies,
            ActivationBytes = activations,
            LongestBatch = (batch, longest),
            Machine = machine,
            AllocatorFactor = (inputs.Allocator ?? NativeAllocator.Current) == "system" ? GlibcPeakFactor : 1.0,
            CheckpointBytes = checkpoint,
            CheckpointsAtOnce = CheckpointsAtOnce(args, plan),
            FinalModelBytes = finalModel,
            FreeDiskBytes = MachineResources.FreeDiskBytes(args.OutputDir),
            Steps = plan.TotalSteps,
            TrainTokens = trainTokens,
            UpdateBytesPerStep = trainableCount * UpdateBytesPerParameter,
            MemoryGBps = inputs.MemoryGBps ?? memoryGBps,
            Flops = flops,
            MatmulGflops = inputs.MatmulGflops ?? matmulGflops,
        };
        return result.Verdict == MemoryVerdict.Fits ? result : result with { Advice = Advise(result, args, batch, longest, Activations) };
    }

    private static readonly Dictionary<bool, (double Gflops, double GBps)> Measured = [];

    /// <summary>This process's measurements, taken once per dtype: the machine does not change between plans.</summary>
    private static (double Gflops, double GBps) MeasuredMachine(bool bf16)
    {
        lock (Measured)
        {
            if (!Measured.TryGetValue(bf16, out var measured)) Measured[bf16] = measured = MeasureMachine(bf16);
            return measured;
        }
    }

    /// <summary>
    /// Matrix-multiply and memory throughput, each the best of two windows taken in turn (≈ 1 s in all): right after
    /// loading, a core can be busy for a moment (the runtime's background compilation, another program), and one
    /// disturbed window measured 0.6× in this session's benchmark runs.
    /// </summary>
    private static (double Gflops, double GBps) MeasureMachine(bool bf16)
    {
        // Loading and tokenizing leave garbage behind; a collection first keeps the runtime's background GC off the cores.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var dtype = bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
        var gbps = MemoryBandwidth.Measure();
        var gflops = MatmulThroughput.Measure(dtype, repetitions: 4, rounds: 12);
        gbps = Math.Max(gbps, MemoryBandwidth.Measure());
        gflops = Math.Max(gflops, MatmulThroughput.Measure(dtype, repetitions: 4, rounds: 12));
        return (gflops, gbps);
    }

    /// <summary>
    /// The weights of the model's embedding tables (every <c>Embedding</c> module, whatever the architecture names it:
    /// BERT's <c>embeddings.word_embeddings</c>, GPT-2's <c>wte</c>/<c>wpe</c>, GPT-NeoX's <c>embed_in</c>): lookups, not
    /// matrix products, so they cost no FLOPs per token, and when one trains the gradient runs through every layer.
    /// </summary>
    internal static HashSet<string> LookupTableNames(nn.Module model) =>
        model.named_modules().Where(m => m.module is TorchSharp.Modules.Embedding).Select(m => m.name + ".weight").ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The layers a gradient passes through: from the top down to the lowest layer with a trainable parameter (all when
    /// an embedding table (<paramref name="lookupTables"/>) or a prompt trains).
    /// </summary>
    internal static int LayersWithGradient(IEnumerable<string> trainableNames, int layers, IReadOnlySet<string> lookupTables)
    {
        var lowest = layers;
        foreach (var name in trainableNames)
        {
            if (ModelArchitectures.LayerIndex(name) is >= 0 and var index) lowest = Math.Min(lowest, index);
            else if (lookupTables.Contains(name) || name.Contains("prompt", StringComparison.Ordinal)) lowest = 0;
        }
        return layers - lowest;
    }

    /// <summary>Whether any of the model's own weight matrices in its layers trains (not counting those PEFT adds: LoRA, adapters).</summary>
    internal static bool WeightMatricesTrain(IEnumerable<(string name, TorchSharp.Modules.Parameter parameter)> trainable) =>
        trainable.Any(p => p.parameter.dim() == 2 && ModelArchitectures.LayerIndex(p.name) >= 0
                           && !p.name.Contains("lora_", StringComparison.Ordinal) && !p.name.Contains("adapter", StringComparison.Ordinal));

    private static (long Hidden, int Layers) Shape(PretrainedConfig config) => (config.HiddenSize, config.NumHiddenLayers);

    /// <summary>
    /// FLOPs per training token: forward 2·N (N = non-embedding parameters) + 4·L·H·S for attention; backward
    /// through the layers a gradient passes (fraction f): 2·N·f + 8·L·f·H·S for activation gradients and 2 per
    /// trainable parameter for weight gradients (full fine-tuning: the familiar 6·N + 12·L·H·S); checkpointing
    /// repeats the forward pass of those layers.
    /// </summary>
    private static double TrainingFlops(long n, long hidden, int layers, long trainable, int layersWithGradient, double length, bool checkpointing)
    {
        var f = layers == 0 ? 1.0 : layersWithGradient / (double)layers;
        var forward = EvaluationFlops(n, hidden, layers, length);
        var backward = 2.0 * n * f + 8.0 * layers * f * hidden * length + 2.0 * Math.Min(trainable, n);
        return forward + backward + (checkpointing ? forward * f : 0);
    }

    /// <summary>FLOPs per token of a forward pass: 2·N + 4·L·H·S.</summary>
    private static double EvaluationFlops(long n, long hidden, int layers, double length) => 2.0 * n + 4.0 * layers * hidden * length;

    // Evaluations of the validation set: one per epoch or per eval_steps, and the final one.
    private static int Evaluations(TrainingArguments args, TrainingPlan plan) => 1 + args.EvalStrategy switch
    {
        IntervalStrategy.Epoch => plan.Epochs,
        IntervalStrategy.Steps => plan.TotalSteps / Math.Max(1, args.EvalSteps ?? args.LoggingSteps),
        _ => 0,
    };

    private static int CheckpointsAtOnce(TrainingArguments args, TrainingPlan plan)
    {
        var saves = args.SaveStrategy switch
        {
            IntervalStrategy.Epoch => plan.Epochs,
            IntervalStrategy.Steps => plan.TotalSteps / Math.Max(1, args.SaveSteps),
            _ => 0,
        };
        // A new checkpoint is written before the oldest beyond the limit is removed.
        return args.SaveTotalLimit is { } limit && limit > 0 ? Math.Min(saves, limit + 1) : saves;
    }

    // Changes that would make the run fit, each with its estimated peak; `activations` is the plan's activation estimate
    // for another batch size, length or checkpointing choice.
    private static IReadOnlyList<string> Advise(ResourcePlan plan, TrainingArguments args, int batch, int longest, Func<int, int, bool, long?> activations)
    {
        var advice = new List<string>();
        long PeakWith(int b, int length, bool checkpointing) => plan.PeakBytes - (plan.ActivationBytes ?? 0) + (activations(b, length, checkpointing) ?? 0);
        if (plan.ActivationBytes is null) return advice;
        if (!args.GradientCheckpointing)
            advice.Add($"gradient_checkpointing=true: peak ≈ {ResourcePlan.Bytes(PeakWith(batch, longest, true))}, about 35% more time");
        if (batch > 1)
        {
            // The largest divisor of the batch up to a quarter of it, so that accumulation keeps the effective batch exactly.
            var smaller = Enumerable.Range(1, Math.Max(1, batch / 4)).Last(d => batch % d == 0);
            advice.Add($"per_device_train_batch_size={smaller} gradient_accumulation_steps={args.GradientAccumulationSteps * batch / smaller}" +
                       $" (same effective batch): peak ≈ {ResourcePlan.Bytes(PeakWith(smaller, longest, args.GradientCheckpointing))}");
        }
        if (longest > 64)
            advice.Add($"max_length={longest / 2}: peak ≈ {ResourcePlan.Bytes(PeakWith(batch, longest / 2, args.GradientCheckpointing))} (longer texts are truncated)");
        if (plan.TrainableParameters * 12L > plan.PeakBytes / 4)
            advice.Add("method=lora: gradients and AdamW state for about 1% of the parameters instead of all of them " +
                       $"(−{ResourcePlan.Bytes(plan.GradientBytes + plan.OptimizerBytes)} at most)");
        return advice;
    }
}
