using System.Diagnostics;
using TuneSharp.Recipes;
using TuneSharp.Training;

namespace TuneSharp.Bench;

/// <summary>
/// Full fine-tuning of all-MiniLM-L6-v2 on SST-2 (train_full.tsv, 67,349 rows by default), evaluated on dev.tsv:
/// dev accuracy, wall time, samples/s and peak memory. Target (issue: text classification): dev accuracy ≥ 0.87
/// (published for 6-layer/384-wide MiniLM: 0.913). Options: --max-train-samples N, --epochs E, --lr X, --batch B, --bf16.
/// </summary>
internal static class Sst2FineTuneBenchmark
{
    public static int Run(string[] args)
    {
        var shared = BenchPaths.Shared;
        int? maxTrain = BenchArgs.Option(args, "--max-train-samples") is { } m ? int.Parse(m) : null;
        var epochs = double.Parse(BenchArgs.Option(args, "--epochs") ?? "1", System.Globalization.CultureInfo.InvariantCulture);
        var lr = double.Parse(BenchArgs.Option(args, "--lr") ?? "1e-4", System.Globalization.CultureInfo.InvariantCulture);
        var batch = int.Parse(BenchArgs.Option(args, "--batch") ?? "32");
        var bf16 = args.Contains("--bf16");
        var output = Directory.CreateTempSubdirectory("tunesharp-bench-sst2-").FullName;
        var trainingArgs = new TrainingArguments
        {
            OutputDir = output, LearningRate = lr, NumTrainEpochs = epochs, PerDeviceTrainBatchSize = batch,
            PerDeviceEvalBatchSize = 64, WarmupRatio = 0.06, WeightDecay = 0.01, EvalStrategy = IntervalStrategy.Epoch,
            SaveStrategy = IntervalStrategy.No, GroupByLength = true, MaxLength = 128, LoggingSteps = 100, Seed = 42,
            Bf16 = bf16,
        };
        var options = new TextClassificationRunOptions
        {
            ModelDir = Path.Combine(shared, "models", "all-MiniLM-L6-v2"),
            TrainPath = Path.Combine(shared, "data", "sst2", "train_full.tsv"),
            ValidationPath = Path.Combine(shared, "data", "sst2", "dev.tsv"),
            TextColumn = "sentence", LabelColumn = "label", MaxTrainSamples = maxTrain, Args = trainingArgs,
        };
        var clock = Stopwatch.StartNew();
        var result = TextClassificationFineTuning.Run(options, new PlainLogCallback(Console.Out, stepEvery: 100), Console.WriteLine);
        clock.Stop();
        var figures = new Dictionary<string, object>
        {
            ["train_examples"] = maxTrain ?? 67349,
            ["epochs"] = epochs,
            ["learning_rate"] = lr,
            ["batch_size"] = batch,
            ["dev_accuracy"] = result.Validation.GetValueOrDefault("eval_accuracy"),
            ["dev_f1_macro"] = result.Validation.GetValueOrDefault("eval_f1"),
            ["train_runtime_s"] = result.Train.RuntimeSeconds,
            ["train_samples_per_second"] = result.Train.Metrics.GetValueOrDefault("train_samples_per_second"),
            ["wall_time_s"] = clock.Elapsed.TotalSeconds,
            ["peak_rss_mib"] = BenchChild.PeakRssMiB(),
            ["target_dev_accuracy"] = 0.87,
        };
        ResultsFile.Write((maxTrain is null ? "sst2_finetune_full" : $"sst2_finetune_{maxTrain}") + (bf16 ? "_bf16" : ""), "SST-2 fine-tuning of all-MiniLM-L6-v2", figures,
            (bf16 ? "bf16 autocast (train --bf16: products in bf16, fp32 master weights, loss and optimizer)" : "fp32") +
            ", dynamic padding, length-grouped batches, AdamW, linear schedule with 6% warmup.");
        try { Directory.Delete(output, true); } catch (IOException) { }
        return 0;
    }
}
