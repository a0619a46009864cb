using TuneSharp.Tasks.CausalLm;
using System.Globalization;
using System.Text;
using TuneSharp.Architectures.Llama;
using TuneSharp.Peft;
using TuneSharp.Recipes;
using TuneSharp.Training;

namespace TuneSharp.Bench;

/// <summary>
/// How close the resource plan (<see cref="TuneSharp.Planning.ResourcePlanner"/>, printed by <c>train</c> and
/// <c>plan</c>) comes to what a run then uses: for each configuration a fresh process runs the real
/// text-classification recipe on all-MiniLM-L6-v2 for a few steps on sentences that all fill max_length (so every
/// batch is the longest), and reports the plan's peak memory and step time next to the measured peak RSS (VmHWM) and
/// training time. Options: --steps N (default 6).
/// </summary>
internal static class PlanAccuracyBenchmark
{
    /// <summary>
    /// One run; <paramref name="Sst2"/> trains on the first SST-2 sentences (real, short lengths) instead of full-length
    /// ones; <paramref name="Llama"/> uses a randomly initialised Llama of MiniLM's size instead of MiniLM (see <see cref="LlamaFolder"/>).
    /// </summary>
    private sealed record Config(string Name, int Length, int Batch, string Method, bool Checkpointing, bool Sst2 = false, bool Llama = false);

    private static readonly Config[] Configs =
    [
        new("full s128 b32", 128, 32, "full", false),
        new("full s512 b8", 512, 8, "full", false),
        new("full s512 b8 checkpointing", 512, 8, "full", true),
        new("full s256 b16", 256, 16, "full", false),
        new("lora s128 b32", 128, 32, "lora", false),
        new("freeze-4 s256 b16", 256, 16, "freeze", false),
        new("full SST-2 b32 (40 steps)", 128, 32, "full", false, Sst2: true),
        new("llama full s256 b16", 256, 16, "full", false, Llama: true),
        new("llama lora s128 b32", 128, 32, "lora", false, Llama: true),
    ];

    /// <summary>
    /// A Llama decoder big enough for its activations to show in resident memory (hidden 384, 6 layers, 6 heads, 2 KV
    /// heads, intermediate 1024, ≈ 11M parameters), randomly initialised, with stories260K's tokenizer (vocabulary 512).
    /// Memory and time do not depend on the weights' values.
    /// </summary>
    private static string LlamaFolder(string folder)
    {
        var dir = Path.Combine(folder, "llama");
        Directory.CreateDirectory(dir);
        TorchSharp.torch.manual_seed(1);
        var config = new TuneSharp.Architectures.Llama.LlamaConfig
        {
            VocabSize = 512, HiddenSize = 384, IntermediateSize = 1024, NumHiddenLayers = 6, NumAttentionHeads = 6, NumKeyValueHeads = 2,
            MaxPositionEmbeddings = 512, TieWordEmbeddings = true, BosTokenId = 1, EosTokenIds = [2],
        };
        using (var model = new CausalLanguageModel(config)) model.SavePretrained(dir);
        var stories = Path.Combine(BenchPaths.Shared, "models", "stories260K");
        foreach (var file in new[] { "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json" })
            File.Copy(Path.Combine(stories, file), Path.Combine(dir, file));
        return dir;
    }

    public static int Run(string[] args)
    {
        if (BenchArgs.Option(args, "--single") is { } single) return RunOne(Configs.Single(c => c.Name == single), args);
        var steps = BenchArgs.Option(args, "--steps") ?? "6";
        var rows = new List<Dictionary<string, object>>();
        foreach (var config in Configs)
        {
            Console.WriteLine($"{config.Name}:");
            rows.Add(BenchChild.Run(["plan-accuracy", "--single", config.Name, "--steps", steps]));
        }
        var figures = new Dictionary<string, object>();
        var table = new StringBuilder("| configuration | planned peak MiB | measured peak MiB | planned / measured | planned s/step | measured s/step | planned / measured |\n|---|---|---|---|---|---|---|\n");
        foreach (var (config, row) in Configs.Zip(rows))
        {
            double Get(string k) => (double)row[k];
            table.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {config.Name} | {Get("planned_peak_mib"):0} | {Get("measured_peak_mib"):0} | {Get("planned_peak_mib") / Get("measured_peak_mib"):0.00} | " +
                $"{Get("planned_seconds_per_step"):0.00} | {Get("measured_seconds_per_step"):0.00} | {Get("planned_seconds_per_step") / Get("measured_seconds_per_step"):0.00} |"));
            figures[config.Name.Replace(' ', '_') + "_peak_ratio"] = Get("planned_peak_mib") / Get("measured_peak_mib");
            figures[config.Name.Replace(' ', '_') + "_time_ratio"] = Get("planned_seconds_per_step") / Get("measured_seconds_per_step");
        }
        var peakRatios = rows.Select(r => (double)r["planned_peak_mib"] / (double)r["measured_peak_mib"]).ToList();
        figures["peak_ratio_min"] = peakRatios.Min();
        figures["peak_ratio_max"] = peakRatios.Max();
        var suffix = TuneSharp.Planning.NativeAllocator.Current == "system" ? "_glibc" : ""; // TUNESHARP_ALLOCATOR=system bench/run plan-accuracy
        ResultsFile.Write("plan_accuracy" + suffix, "Resource plan against measured runs, all-MiniLM-L6-v2 (and a Llama of its size)", figures,
            table + "\nEach configuration in its own process: the real recipe (data, model, PEFT, Trainer), " + steps +
            " optimizer steps (plus one evaluation of 64 sentences), every sentence filling max_length; the SST-2 row trains 40 steps on the first " +
            "1,280 SST-2 training sentences as they are, in length-grouped batches as the CLI trains. Measured peak = VmHWM of the " +
            "whole process; measured s/step = train_runtime / steps (includes the first, slower step). Planned time assumes " +
            $"{TuneSharp.Planning.ResourcePlanner.ExpectedUtilization:P0} of the measured matmul peak.");
        return 0;
    }

    private static int RunOne(Config config, string[] args)
    {
        // Short SST-2 batches take a fraction of a second: more steps, so the first (slower) one weighs less.
        var steps = config.Sst2 ? 40 : int.Parse(BenchArgs.Option(args, "--steps") ?? "6", CultureInfo.InvariantCulture);
        var folder = Directory.CreateTempSubdirectory("tunesharp-bench-plan-").FullName;
        try
        {
            // Every sentence is longer than max_length, so every example is truncated to it and every batch is the longest.
            var sentence = string.Join(' ', Enumerable.Repeat("a gripping and well acted film", config.Length));
            var train = Path.Combine(folder, "train.tsv");
            var validation = Path.Combine(folder, "validation.tsv");
            File.WriteAllLines(train, ["sentence\tlabel", .. Enumerable.Range(0, config.Batch * steps).Select(i => $"{sentence}\t{i % 2}")]);
            File.WriteAllLines(validation, ["sentence\tlabel", .. Enumerable.Range(0, 64).Select(i => $"{sentence}\t{i % 2}")]);
            var peft = config.Method switch
            {
                "lora" => new PeftOptions { Method = PeftMethod.Lora },
                "freeze" => new PeftOptions { Method = PeftMethod.Freeze, Freeze = new TuneSharp.Peft.Freeze.FreezeOptions { FreezeEmbeddings = true, FreezeLayers = 4 } },
                _ => new PeftOptions(),
            };
            var result = TextClassificationFineTuning.Run(new TextClassificationRunOptions
            {
                ModelDir = config.Llama ? LlamaFolder(folder) : Path.Combine(BenchPaths.Shared, "models", "all-MiniLM-L6-v2"),
                TrainPath = config.Sst2 ? Path.Combine(BenchPaths.Shared, "data", "sst2", "train_full.tsv") : train,
                MaxTrainSamples = config.Sst2 ? config.Batch * steps : null,
                ValidationPath = validation, TextColumn = "sentence", LabelColumn = "label", Peft = peft,
                Args = new TrainingArguments
                {
                    OutputDir = Path.Combine(folder, "out"), MaxSteps = steps, PerDeviceTrainBatchSize = config.Batch, PerDeviceEvalBatchSize = 32,
                    MaxLength = config.Length, GradientCheckpointing = config.Checkpointing, EvalStrategy = IntervalStrategy.No,
                    SaveStrategy = IntervalStrategy.No, LoggingSteps = steps, LearningRate = 1e-4, GroupByLength = config.Sst2,
                },
            }, new PlainLogCallback(Console.Out, stepEvery: steps), Console.WriteLine);
            var plan = result.Plan;
            BenchChild.Report(new Dictionary<string, object>
            {
                ["planned_peak_mib"] = plan.PeakBytes / (1024.0 * 1024.0),
                ["planned_activation_mib"] = (plan.ActivationBytes ?? 0) / (1024.0 * 1024.0),
                ["process_at_plan_mib"] = plan.ProcessBytes / (1024.0 * 1024.0),
                ["measured_peak_mib"] = BenchChild.PeakRssMiB(),
                ["planned_seconds_per_step"] = plan.EstimatedTime.TotalSeconds / plan.Steps,
                ["measured_seconds_per_step"] = result.Train.RuntimeSeconds / steps,
            });
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
