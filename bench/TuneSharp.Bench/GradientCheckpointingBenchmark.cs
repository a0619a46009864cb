using System.Diagnostics;
using System.Globalization;
using TuneSharp.Architectures.Bert;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Bench;

/// <summary>
/// Memory and time of full fine-tuning steps of all-MiniLM-L6-v2 at max length 512 with and without gradient
/// checkpointing, each in its own process (peak RSS = the process's VmHWM). Target (issue: speed and memory): at least
/// 40% less peak memory, at most 40% more time. Inputs are random token ids: memory and time do not depend on the text.
/// Options: --batch B (default 8), --length T (default 512), --steps N (default 4, after one warm-up step), --rounds R
/// (default 2: alternating processes without and with checkpointing; fastest time and highest peak kept).
/// </summary>
internal static class GradientCheckpointingBenchmark
{
    public static int Run(string[] args)
    {
        if (BenchArgs.Option(args, "--single") is { } mode) return RunOne(mode == "on", args);
        var forwarded = new[] { "--batch", "--length", "--steps" }
            .SelectMany(o => BenchArgs.Option(args, o) is { } v ? new[] { o, v } : []).ToArray();
        // Alternating rounds (off, on, off, on, ...), each in a fresh process: a slow moment of this shared machine then
        // hits one round, not one configuration. Time per step is the fastest round's, peak RSS the highest round's.
        var rounds = int.Parse(BenchArgs.Option(args, "--rounds") ?? "2", CultureInfo.InvariantCulture);
        var offRuns = new List<Dictionary<string, object>>();
        var onRuns = new List<Dictionary<string, object>>();
        for (var round = 0; round < rounds; round++)
        {
            offRuns.Add(BenchChild.Run(["gradient-checkpointing", "--single", "off", .. forwarded]));
            onRuns.Add(BenchChild.Run(["gradient-checkpointing", "--single", "on", .. forwarded]));
        }
        Dictionary<string, object> Combine(List<Dictionary<string, object>> runs)
        {
            var combined = new Dictionary<string, object>(runs[0]);
            combined["seconds_per_step"] = runs.Min(r => (double)r["seconds_per_step"]);
            combined["peak_rss_mib"] = runs.Max(r => (double)r["peak_rss_mib"]);
            return combined;
        }
        var off = Combine(offRuns);
        var on = Combine(onRuns);
        double Get(Dictionary<string, object> r, string k) => (double)r[k];
        var figures = new Dictionary<string, object>
        {
            ["batch_size"] = Get(off, "batch_size"),
            ["seq_len"] = Get(off, "seq_len"),
            ["rss_before_training_mib"] = Get(off, "rss_before_mib"),
            ["peak_rss_mib_without"] = Get(off, "peak_rss_mib"),
            ["peak_rss_mib_with"] = Get(on, "peak_rss_mib"),
            ["peak_rss_saving"] = 1 - Get(on, "peak_rss_mib") / Get(off, "peak_rss_mib"),
            ["peak_above_start_saving"] = 1 - (Get(on, "peak_rss_mib") - Get(on, "rss_before_mib")) / (Get(off, "peak_rss_mib") - Get(off, "rss_before_mib")),
            ["seconds_per_step_without"] = Get(off, "seconds_per_step"),
            ["seconds_per_step_with"] = Get(on, "seconds_per_step"),
            ["time_ratio"] = Get(on, "seconds_per_step") / Get(off, "seconds_per_step"),
            ["loss_without"] = Get(off, "final_loss"),
            ["loss_with"] = Get(on, "final_loss"),
            ["rounds"] = rounds,
            ["seconds_per_step_without_by_round"] = string.Join(" ", offRuns.Select(r => ((double)r["seconds_per_step"]).ToString("0.000", CultureInfo.InvariantCulture))),
            ["seconds_per_step_with_by_round"] = string.Join(" ", onRuns.Select(r => ((double)r["seconds_per_step"]).ToString("0.000", CultureInfo.InvariantCulture))),
            ["target"] = "peak_rss_saving >= 0.40, time_ratio <= 1.40",
        };
        ResultsFile.Write($"gradient_checkpointing_s{figures["seq_len"]}_b{figures["batch_size"]}", "Gradient checkpointing, all-MiniLM-L6-v2 full fine-tuning", figures,
            "fp32, AdamW, dropout active, same seed and inputs in both processes (so the losses must agree). peak_above_start_saving " +
            "compares only what training adds on top of the loaded model and data.");
        return 0;
    }

    private static int RunOne(bool checkpointing, string[] args)
    {
        var batch = int.Parse(BenchArgs.Option(args, "--batch") ?? "8", CultureInfo.InvariantCulture);
        var length = int.Parse(BenchArgs.Option(args, "--length") ?? "512", CultureInfo.InvariantCulture);
        var steps = int.Parse(BenchArgs.Option(args, "--steps") ?? "4", CultureInfo.InvariantCulture);
        manual_seed(42);
        var (classifier, _) = SequenceClassifierFactory.FromPretrained(Path.Combine(BenchPaths.Shared, "models", "all-MiniLM-L6-v2"),
            new SequenceClassificationOptions { NumLabels = 2 });
        using var module = classifier.Module;
        classifier.GradientCheckpointing = checkpointing;
        module.train();
        var vocab = ((TuneSharp.Architectures.Bert.BertConfig)classifier.Config).VocabSize;
        var ids = randint(1000, vocab, [batch, length], dtype: ScalarType.Int64);
        var mask = ones_like(ids);
        var labels = randint(0, 2, [batch], dtype: ScalarType.Int64);
        using var optimizer = OptimizerSetup.CreateAdamW(OptimizerSetup.TrainableParameters(module), new TrainingArguments { OutputDir = Path.GetTempPath(), LearningRate = 1e-5 });
        var rssBefore = BenchChild.RssMiB();
        double loss = 0;
        var clock = new Stopwatch();
        for (var step = 0; step <= steps; step++)
        {
            if (step == 1) clock.Start(); // step 0 warms up allocator and kernels
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var output = nn.functional.cross_entropy(classifier.Forward(ids, mask, null), labels);
            output.backward();
            optimizer.step();
            loss = output.item<float>();
        }
        clock.Stop();
        BenchChild.Report(new Dictionary<string, object>
        {
            ["checkpointing"] = checkpointing ? "on" : "off",
            ["batch_size"] = batch,
            ["seq_len"] = length,
            ["rss_before_mib"] = rssBefore,
            ["peak_rss_mib"] = BenchChild.PeakRssMiB(),
            ["seconds_per_step"] = clock.Elapsed.TotalSeconds / steps,
            ["final_loss"] = loss,
        });
        return 0;
    }
}
