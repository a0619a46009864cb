using System.Diagnostics;
using System.Globalization;
using TuneSharp.Recipes;
using TuneSharp.Tasks.TextClassification;
using TuneSharp.Training;

namespace TuneSharp.Bench;

/// <summary>
/// Long documents for classification (issue 14): MTS-Dialog section-header classification (20 classes, doctor–patient
/// conversations of up to ~1,500 words) with all-MiniLM-L6-v2 at max_length 128, trained on the training set, the epoch
/// kept by validation-set loss, scored on test set 1 — once truncating and once per window aggregation with
/// <c>--long-text windows</c>, in one run on one machine. Figures: test accuracy and macro F1 of each, training time per
/// epoch, windows per epoch. Options: --epochs E (default 5), --lr X (default 1e-4), --doc-stride S (default: 42, a
/// third of 128), --max-length L (128), --aggregations mean,max.
/// </summary>
internal static class LongTextClassificationBenchmark
{
    public static int Run(string[] args)
    {
        var epochs = double.Parse(BenchArgs.Option(args, "--epochs") ?? "5", CultureInfo.InvariantCulture);
        var lr = double.Parse(BenchArgs.Option(args, "--lr") ?? "1e-4", CultureInfo.InvariantCulture);
        var maxLength = int.Parse(BenchArgs.Option(args, "--max-length") ?? "128", CultureInfo.InvariantCulture);
        int? stride = BenchArgs.Option(args, "--doc-stride") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : null;
        var aggregations = (BenchArgs.Option(args, "--aggregations") ?? "mean,max").Split(',')
            .Select(a => LongTextOptions.Names.TryParse(a, out WindowAggregation parsed) ? parsed : throw new TuneSharpException($"--aggregations: '{a}' is not mean or max."))
            .ToList();
        var data = Path.Combine(BenchPaths.Shared, "data", "mts-dialog");
        var runs = new List<(string Name, LongTextOptions LongText)> { ("truncate", LongTextOptions.Truncate) };
        runs.AddRange(aggregations.Select(a => ($"windows_{LongTextOptions.Names.Of(a)}", new LongTextOptions { Strategy = LongTextStrategy.Windows, DocStride = stride, Aggregation = a })));

        var figures = new Dictionary<string, object>
        {
            ["train_conversations"] = 1201, ["test_conversations"] = 200, ["classes"] = 20,
            ["epochs"] = epochs, ["learning_rate"] = lr, ["max_length"] = maxLength, ["doc_stride"] = stride ?? TuneSharp.Tasks.DocStride.Default(maxLength),
        };
        foreach (var (name, longText) in runs)
        {
            var output = Directory.CreateTempSubdirectory("tunesharp-bench-longtext-").FullName;
            try
            {
                var options = new TextClassificationRunOptions
                {
                    ModelDir = Path.Combine(BenchPaths.Shared, "models", "all-MiniLM-L6-v2"),
                    TrainPath = Path.Combine(data, "MTS-Dialog-TrainingSet.csv"),
                    ValidationPath = Path.Combine(data, "MTS-Dialog-ValidationSet.csv"),
                    TestPath = Path.Combine(data, "MTS-Dialog-TestSet-1-MEDIQA-Chat-2023.csv"),
                    TextColumn = "dialogue", LabelColumn = "section_header", LongText = longText,
                    Args = FineTuningDefaults.Arguments(Path.Combine(output, "out")) with
                    {
                        LearningRate = lr, NumTrainEpochs = epochs, PerDeviceTrainBatchSize = 16, PerDeviceEvalBatchSize = 64,
                        WarmupRatio = 0.1, WeightDecay = 0.01, MaxLength = maxLength, Seed = 42, LoggingSteps = 50,
                        EvalStrategy = IntervalStrategy.Epoch, SaveStrategy = IntervalStrategy.Epoch, SaveTotalLimit = 1,
                        LoadBestModelAtEnd = true, MetricForBestModel = "eval_loss",
                    },
                };
                Console.WriteLine($"== {name}");
                var clock = Stopwatch.StartNew();
                var result = TextClassificationFineTuning.Run(options, new PlainLogCallback(Console.Out, stepEvery: 50), Console.WriteLine);
                clock.Stop();
                var test = result.Test ?? throw new InvalidOperationException("the run scored no test set");
                var windowsPerEpoch = result.Train.Metrics.GetValueOrDefault("train_samples_per_second") * result.Train.RuntimeSeconds / epochs;
                figures[$"{name}_test_accuracy"] = test.GetValueOrDefault("test_accuracy");
                figures[$"{name}_test_f1_macro"] = test.GetValueOrDefault("test_f1");
                figures[$"{name}_validation_accuracy"] = result.Validation.GetValueOrDefault("eval_accuracy");
                figures[$"{name}_train_runtime_s"] = result.Train.RuntimeSeconds;
                figures[$"{name}_seconds_per_epoch"] = result.Train.RuntimeSeconds / epochs;
                figures[$"{name}_windows_per_epoch"] = Math.Round(windowsPerEpoch);
                figures[$"{name}_wall_time_s"] = clock.Elapsed.TotalSeconds;
            }
            finally
            {
                try { Directory.Delete(output, true); } catch (IOException) { }
            }
        }
        figures["peak_rss_mib"] = BenchChild.PeakRssMiB();
        ResultsFile.Write("long_text_mts_dialog", "MTS-Dialog section headers (20 classes): truncation vs windows, all-MiniLM-L6-v2", figures,
            $"fp32, AdamW lr {lr.ToString(CultureInfo.InvariantCulture)}, batch 16, 10% warmup, weight decay 0.01, {epochs} epochs, seed 42, max_length {maxLength}; " +
            "the epoch with the lowest validation loss (MTS-Dialog-ValidationSet, 100 conversations) is kept and scored on test set 1. " +
            "Windows: every window trains with its conversation's label; a conversation's prediction is the mean or max of its windows' logits. " +
            "seconds_per_epoch = train_runtime / epochs (includes the per-epoch validation and checkpoint); windows_per_epoch are the training units " +
            "(1,201 when truncating).");
        return 0;
    }
}
