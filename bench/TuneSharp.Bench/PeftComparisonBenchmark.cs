using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using TuneSharp.Peft;
using TuneSharp.Peft.Bottleneck;
using TuneSharp.Peft.Freeze;
using TuneSharp.Peft.Lora;
using TuneSharp.Peft.PromptTuning;
using TuneSharp.Recipes;
using TuneSharp.Training;

namespace TuneSharp.Bench;

/// <summary>
/// SST-2 with all-MiniLM-L6-v2, one row per fine-tuning method: dev accuracy, trainable parameters (count and %),
/// peak resident memory and training time per epoch. Each method runs in its own child process so that its peak
/// memory is its own. Target (issue: PEFT): LoRA within 1.5 accuracy points of full fine-tuning with under 2% of the
/// parameters trainable and a lower peak memory.
/// Options: --max-train-samples N (default: the whole 67,349-row train_full.tsv), --epochs E (default 1),
/// --methods a,b,c (default: all), --learning-rates method=lr,... (override a method's learning rate), --name N (results file name), --seed S (default 42).
/// </summary>
internal static class PeftComparisonBenchmark
{
    private sealed record Method(string Name, string Settings, double LearningRate, PeftOptions Peft);

    // Learning rates: the usual ones for each method at this scale (full fine-tuning 1e-4 as the sst2-finetune
    // benchmark; methods that train few parameters need larger steps). LoRA's was chosen on dev accuracy with 20,000
    // sentences: 5e-4 → 0.8521, 1e-3 → 0.8739, 2e-3 → 0.8589.
    private static readonly Method[] Methods =
    [
        new("full", "all parameters", 1e-4, new PeftOptions { Method = PeftMethod.Full }),
        new("freeze", "embeddings + first 3 of 6 layers frozen", 1e-4,
            new PeftOptions { Method = PeftMethod.Freeze, Freeze = new FreezeOptions { FreezeEmbeddings = true, FreezeLayers = 3 } }),
        new("bitfit", "biases + head", 1e-3, new PeftOptions { Method = PeftMethod.BitFit }),
        new("lora", "r=8, alpha=16, all-linear", 1e-3,
            new PeftOptions { Method = PeftMethod.Lora, Lora = new LoraOptions { R = 8, Alpha = 16, TargetModules = "all-linear" } }),
        new("adapter", "Houlsby, reduction 16, relu", 1e-3,
            new PeftOptions { Method = PeftMethod.Adapter, Adapter = new BottleneckOptions { Variant = BottleneckVariant.Houlsby, ReductionFactor = 16 } }),
        new("prompt-tuning", "20 virtual tokens, TEXT init", 1e-2,
            new PeftOptions
            {
                Method = PeftMethod.PromptTuning,
                PromptTuning = new PromptTuningOptions { NumVirtualTokens = 20, Init = PromptTuningInit.Text, InitText = "Is the sentiment of this movie review positive or negative?" },
            }),
    ];

    public static int Run(string[] args)
    {
        if (BenchArgs.Option(args, "--single") is { } single) return RunOne(single, args);

        var names = (BenchArgs.Option(args, "--methods") ?? string.Join(",", Methods.Select(m => m.Name))).Split(',');
        var rows = new List<Dictionary<string, object>>();
        foreach (var name in names)
        {
            Console.WriteLine($"=== {name} ===");
            rows.Add(RunChild(name, args));
        }
        Write(rows, args);
        return 0;
    }

    // A fresh process per method, so that PeakWorkingSet is the method's own.
    private static Dictionary<string, object> RunChild(string method, string[] args) =>
        BenchChild.Run(new[] { "peft-comparison", "--single", method }.Concat(ForwardedOptions(args)));

    private static IEnumerable<string> ForwardedOptions(string[] args)
    {
        foreach (var name in new[] { "--max-train-samples", "--epochs", "--learning-rates", "--seed" })
            if (BenchArgs.Option(args, name) is { } value) { yield return name; yield return value; }
    }

    private static int RunOne(string name, string[] args)
    {
        var method = Methods.FirstOrDefault(m => m.Name == name)
            ?? throw new TuneSharpException($"Unknown method '{name}'; expected one of: {string.Join(", ", Methods.Select(m => m.Name))}.");
        if (BenchArgs.Option(args, "--learning-rates") is { } overrides)
            foreach (var pair in overrides.Split(',').Select(p => p.Split('=')))
                if (pair.Length == 2 && pair[0] == name) method = method with { LearningRate = double.Parse(pair[1], CultureInfo.InvariantCulture) };
        var shared = BenchPaths.Shared;
        int? maxTrain = BenchArgs.Option(args, "--max-train-samples") is { } m ? int.Parse(m, CultureInfo.InvariantCulture) : null;
        var epochs = double.Parse(BenchArgs.Option(args, "--epochs") ?? "1", CultureInfo.InvariantCulture);
        var output = Directory.CreateTempSubdirectory($"tunesharp-bench-peft-{name}-").FullName;
        string? summary = null;
        try
        {
            var options = new TextClassificationRunOptions
            {
                ModelDir = Path.Combine(shared, "models", "all-MiniLM-L6-v2"),
                TrainPath = Path.Combine(shared, "data", "sst2", "train_full.tsv"),
                ValidationPath = Path.Combine(shared, "data", "sst2", "dev.tsv"),
                TextColumn = "sentence", LabelColumn = "label", MaxTrainSamples = maxTrain, Peft = method.Peft,
                Args = new TrainingArguments
                {
                    OutputDir = output, LearningRate = method.LearningRate, NumTrainEpochs = epochs, PerDeviceTrainBatchSize = 32,
                    PerDeviceEvalBatchSize = 64, WarmupRatio = 0.06, WeightDecay = 0.01, EvalStrategy = IntervalStrategy.No,
                    SaveStrategy = IntervalStrategy.No, GroupByLength = true, MaxLength = 128, LoggingSteps = 200,
                    Seed = int.Parse(BenchArgs.Option(args, "--seed") ?? "42", CultureInfo.InvariantCulture),
                },
            };
            var result = TextClassificationFineTuning.Run(options, new PlainLogCallback(Console.Out, stepEvery: 200), line =>
            {
                if (line.StartsWith("trainable params:", StringComparison.Ordinal)) summary = line;
                Console.WriteLine(line);
            });
            var (trainable, all) = ParseSummary(summary ?? throw new TuneSharpException("The run did not report its trainable parameters."));
            var row = new Dictionary<string, object>
            {
                ["method"] = method.Name,
                ["settings"] = method.Settings,
                ["learning_rate"] = method.LearningRate,
                ["dev_accuracy"] = result.Validation.GetValueOrDefault("eval_accuracy"),
                ["trainable_params"] = trainable,
                ["trainable_percent"] = 100.0 * trainable / all,
                ["peak_rss_mib"] = BenchChild.PeakRssMiB(),
                ["train_seconds_per_epoch"] = result.Train.RuntimeSeconds / epochs,
                ["train_samples_per_second"] = result.Train.Metrics.GetValueOrDefault("train_samples_per_second"),
            };
            BenchChild.Report(row);
            return 0;
        }
        finally
        {
            try { Directory.Delete(output, true); } catch (IOException) { }
        }
    }

    // "trainable params: 74,498 || all params: 22,788,482 || trainable%: 0.3269" (PeftSummary.Describe).
    private static (long Trainable, long All) ParseSummary(string line)
    {
        var parts = line.Split("||").Select(p => p.Split(':')[1].Trim().Replace(",", "")).ToArray();
        return (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    private static void Write(List<Dictionary<string, object>> rows, string[] args)
    {
        double Get(string method, string key) => rows.FirstOrDefault(r => (string)r["method"] == method) is { } r ? (double)r[key] : double.NaN;
        var figures = new Dictionary<string, object>
        {
            ["train_examples"] = BenchArgs.Option(args, "--max-train-samples") ?? "67349 (all)",
            ["epochs"] = BenchArgs.Option(args, "--epochs") ?? "1",
            ["methods"] = rows,
            ["lora_minus_full_accuracy_points"] = 100 * (Get("lora", "dev_accuracy") - Get("full", "dev_accuracy")),
            ["lora_peak_rss_vs_full"] = Get("lora", "peak_rss_mib") / Get("full", "peak_rss_mib"),
            ["target"] = "LoRA within 1.5 accuracy points of full, < 2% trainable, lower peak memory",
        };
        var table = new StringBuilder("| method | settings | lr | dev accuracy | trainable params | trainable % | peak RSS (MiB) | train s/epoch | samples/s |\n|---|---|---|---|---|---|---|---|---|\n");
        foreach (var r in rows)
            table.Append(CultureInfo.InvariantCulture, $"| {r["method"]} | {r["settings"]} | {(double)r["learning_rate"]:g} | {(double)r["dev_accuracy"]:0.0000} | {(double)r["trainable_params"]:N0} | {(double)r["trainable_percent"]:0.###} | {(double)r["peak_rss_mib"]:0} | {(double)r["train_seconds_per_epoch"]:0} | {(double)r["train_samples_per_second"]:0.0} |\n");
        var name = BenchArgs.Option(args, "--name")
            ?? (BenchArgs.Option(args, "--max-train-samples") is { } n ? $"peft_comparison_{n}" : "peft_comparison_full");
        ResultsFile.Write(name, "SST-2 fine-tuning methods compared (all-MiniLM-L6-v2)", figures,
            table + "\nfp32, batch 32, max length 128, length-grouped batches, AdamW (weight decay 0.01), linear schedule with 6% warmup, seed " + (BenchArgs.Option(args, "--seed") ?? "42") + "; " +
            "each method in its own process (peak RSS is the process's VmHWM, model and data included).");
    }
}
