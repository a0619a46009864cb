using System.Diagnostics;
using System.Globalization;
using TuneSharp.Recipes;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Bench;

/// <summary>
/// Memory-leak check of the training path: a long run of the text-classification recipe (all-MiniLM-L6-v2 on SST-2
/// sentences, short sequences and small batches so it takes minutes) with periodic evaluation, sampling the process's
/// resident memory, the managed heap and libtorch's live tensor count every few steps from a trainer callback. After
/// warm-up (allocator caches, optimizer state, first evaluation) memory should stay flat: the report gives RSS at the
/// warm-up step and at the end, the growth, a least-squares slope over the post-warm-up samples and flags growth above
/// 5%. Options: --steps N (2000), --batch B (8), --max-length L (32), --sample-every K (50), --warmup-step S (200),
/// --train-examples N (4000, cycled), --eval-steps E (100; 0 = none), --eval-examples N (256), --model minilm|tiny
/// (tiny: a random 2-layer, 128-wide BERT with MiniLM's tokenizer, for quick checks), --loop trainer|plain|plain-fixed
/// (plain: a hand-written TorchSharp loop with per-batch padding, plain-fixed: padded to --max-length; no evaluation),
/// to locate growth the trainer run shows; --collect runs a full GC before each sample.
/// </summary>
internal static class LeakCheckBenchmark
{
    private const double FlagGrowthPercent = 5.0;

    public static int Run(string[] args)
    {
        int Int(string name, int fallback) => int.Parse(BenchArgs.Option(args, name) ?? fallback.ToString(CultureInfo.InvariantCulture));
        var steps = Int("--steps", 2000);
        var batch = Int("--batch", 8);
        var maxLength = Int("--max-length", 32);
        var sampleEvery = Int("--sample-every", 50);
        var warmupStep = Int("--warmup-step", 200);
        var trainExamples = Int("--train-examples", 4000);
        var evalSteps = Int("--eval-steps", 100);
        var evalExamples = Int("--eval-examples", 256);
        if (warmupStep % sampleEvery != 0 || warmupStep >= steps)
            throw new TuneSharpException($"--warmup-step ({warmupStep}) must be a multiple of --sample-every ({sampleEvery}) and below --steps ({steps}).");

        var loop = BenchArgs.Option(args, "--loop") ?? "trainer";
        if (loop is not ("trainer" or "plain" or "plain-fixed")) throw new TuneSharpException($"--loop must be trainer, plain or plain-fixed, got {loop}.");
        var modelName = BenchArgs.Option(args, "--model") ?? "minilm";
        var miniLm = Path.Combine(BenchPaths.Shared, "models", "all-MiniLM-L6-v2");
        var modelDir = modelName switch
        {
            "minilm" => miniLm,
            "tiny" => TinyBertFolder.Create(miniLm),
            _ => throw new TuneSharpException($"--model must be minilm or tiny, got {modelName}."),
        };
        var output = Directory.CreateTempSubdirectory("tunesharp-bench-leak-").FullName;
        var collect = args.Contains("--collect");
        var sampler = new MemorySampler(sampleEvery, collect);
        try
        {
            if (loop == "trainer")
            {
                var options = new TextClassificationRunOptions
                {
                    ModelDir = modelDir,
                    TrainPath = Sst2Tsv.TrainPath, ValidationPath = Sst2Tsv.DevPath, TextColumn = "sentence", LabelColumn = "label",
                    MaxTrainSamples = trainExamples, MaxEvalSamples = evalExamples,
                    Args = new TrainingArguments
                    {
                        OutputDir = output, MaxSteps = steps, PerDeviceTrainBatchSize = batch, PerDeviceEvalBatchSize = 64,
                        LearningRate = 5e-5, WarmupRatio = 0.06, WeightDecay = 0.01, MaxLength = maxLength, GroupByLength = true,
                        EvalStrategy = evalSteps > 0 ? IntervalStrategy.Steps : IntervalStrategy.No, EvalSteps = evalSteps > 0 ? evalSteps : null,
                        SaveStrategy = IntervalStrategy.No, LoggingSteps = 500, Seed = 42,
                    },
                };
                TextClassificationFineTuning.Run(options, sampler, Console.WriteLine);
            }
            else
            {
                PlainTrainingLoop.Run(modelDir, Sst2Tsv.Read(Sst2Tsv.TrainPath, trainExamples), steps, batch, maxLength, padToMax: loop == "plain-fixed", sampler);
            }
        }
        finally
        {
            try { Directory.Delete(output, true); } catch (IOException) { }
            if (modelDir != miniLm) try { Directory.Delete(modelDir, true); } catch (IOException) { }
        }

        var samples = sampler.Samples;
        var atWarmup = samples.First(s => s.Step == warmupStep);
        var end = samples[^1];
        var after = samples.Where(s => s.Step >= warmupStep).ToList();
        var growthMib = end.RssMib - atWarmup.RssMib;
        var growthPercent = 100 * growthMib / atWarmup.RssMib;
        var slopeKibPerStep = 1024 * BenchStats.Slope(after.Select(s => (double)s.Step).ToList(), after.Select(s => s.RssMib).ToList());
        var flagged = growthPercent > FlagGrowthPercent;
        Console.WriteLine(FormattableString.Invariant(
            $"RSS {atWarmup.RssMib:0.0} MiB at step {warmupStep} → {end.RssMib:0.0} MiB at step {end.Step}: {growthMib:+0.0;-0.0} MiB ({growthPercent:+0.00;-0.00}%), slope {slopeKibPerStep:0.00} KiB/step, live tensors {atWarmup.LiveTensors} → {end.LiveTensors} in scopes, {atWarmup.OutsideScopeTensors} → {end.OutsideScopeTensors} outside{(flagged ? "  ** GROWTH ABOVE 5% **" : "")}"));

        var figures = new Dictionary<string, object>
        {
            ["model"] = modelName,
            ["loop"] = loop,
            ["gc_before_each_sample"] = collect,
            // glibc's allocator setting changes the outcome (see the notes), so the run records it.
            ["malloc_mmap_threshold_env"] = Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") ?? "unset",
            ["steps"] = end.Step,
            ["batch_size"] = batch,
            ["max_length"] = maxLength,
            ["eval_every_steps"] = evalSteps,
            ["warmup_step"] = warmupStep,
            ["rss_at_warmup_mib"] = atWarmup.RssMib,
            ["rss_at_end_mib"] = end.RssMib,
            ["rss_growth_mib"] = growthMib,
            ["rss_growth_percent"] = growthPercent,
            ["rss_slope_kib_per_step"] = slopeKibPerStep,
            ["managed_heap_at_warmup_mib"] = atWarmup.ManagedMib,
            ["managed_heap_at_end_mib"] = end.ManagedMib,
            ["gc_committed_at_warmup_mib"] = atWarmup.GcCommittedMib,
            ["gc_committed_at_end_mib"] = end.GcCommittedMib,
            ["live_tensors_at_warmup"] = atWarmup.LiveTensors,
            ["live_tensors_at_end"] = end.LiveTensors,
            ["outside_scope_tensors_at_warmup"] = atWarmup.OutsideScopeTensors,
            ["outside_scope_tensors_at_end"] = end.OutsideScopeTensors,
            ["growth_above_5_percent"] = flagged,
            ["rss_mib_by_step"] = string.Join(" ", samples.Select(s => FormattableString.Invariant($"{s.Step}:{s.RssMib:0.0}"))),
        };
        ResultsFile.Write($"leak_check_{modelName}_{end.Step}" + (loop == "trainer" ? "" : "_" + loop) + (collect ? "_collect" : "")
            + (Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is null ? "" : "_mmap-threshold"), $"Memory over a long training run ({(modelName == "tiny" ? "tiny random BERT" : "all-MiniLM-L6-v2")}, SST-2)", figures,
            "RSS = Environment.WorkingSet (VmRSS), sampled from ITrainerCallback.OnStep; managed heap = GC.GetTotalMemory(false); " +
            "live tensors = TorchSharp's count of undisposed tensors created on the training thread (in / outside dispose scopes). " +
            "Slope: least squares over the samples from the warm-up step on. Growth that vanishes with --collect (full GC + finalizers " +
            "before each sample) or with MALLOC_MMAP_THRESHOLD_=131072 is native heap held until finalization / glibc heap fragmentation, not live tensors.");
        return 0;
    }

    /// <param name="LiveTensors">tensors created inside dispose scopes and not yet disposed (TorchSharp's ThreadTotalLiveCount).</param>
    /// <param name="OutsideScopeTensors">tensors created outside any dispose scope minus those disposed there: the ones
    /// only the garbage collector's finalizers would free.</param>
    private sealed record MemorySample(int Step, double RssMib, double ManagedMib, double GcCommittedMib, long LiveTensors, long OutsideScopeTensors);

    /// <summary>Records memory every <c>every</c> optimizer steps (the callback runs on the training thread).</summary>
    /// <param name="collect">run a full blocking GC (and finalizers) before each sample, so RSS held only by unreachable
    /// TorchSharp objects waiting for finalization is released: growth that disappears with it is undisposed native memory.</param>
    private sealed class MemorySampler(int every, bool collect) : ITrainerCallback
    {
        private readonly Stopwatch _clock = new();
        public List<MemorySample> Samples { get; } = [];

        public void OnTrainBegin(int totalSteps) => _clock.Start();

        public void OnStep(int step, double loss, double learningRate, double iterationsPerSecond, TimeSpan eta)
        {
            if (step % every != 0) return;
            if (collect)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
            }
            const double mib = 1024.0 * 1024.0;
            var stats = TorchSharp.DisposeScopeManager.Statistics.TensorStatistics;
            var sample = new MemorySample(step, Environment.WorkingSet / mib, GC.GetTotalMemory(false) / mib, GC.GetGCMemoryInfo().TotalCommittedBytes / mib,
                stats.ThreadTotalLiveCount, stats.CreatedOutsideScopeCount - stats.DisposedOutsideScopeCount);
            Samples.Add(sample);
            Console.WriteLine(FormattableString.Invariant(
                $"step {step}: RSS {sample.RssMib:0.0} MiB, managed {sample.ManagedMib:0.0} MiB (GC committed {sample.GcCommittedMib:0.0}), live tensors {sample.LiveTensors} in scopes + {sample.OutsideScopeTensors} outside, loss {loss:0.000}, {iterationsPerSecond:0.0} it/s, {_clock.Elapsed.TotalSeconds:0} s"));
        }

        public void OnLog(string message) => Console.WriteLine(message);
    }
}
