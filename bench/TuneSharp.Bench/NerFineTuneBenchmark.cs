using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TuneSharp.Recipes;
using TuneSharp.Training;

namespace TuneSharp.Bench;

/// <summary>
/// CoNLL-2003 NER with all-MiniLM-L6-v2 (issue 13): train on eng.train, keep the epoch with the best entity F1 on
/// eng.testa, report eng.testb; first sub-token labelled, max_length 128, batch 32, lr 5e-5, 3 epochs, seed 42 (the
/// settings of the transformers peer, <c>bench/peers/ner_trainer.py</c>). With <c>--with-peer</c> the peer runs in the
/// same benchmark run, after TuneSharp, in <c>../shared/reference</c> at its fastest (OpenBLAS variables unset, one
/// PyTorch thread), and the results hold the ratios. Targets: test F1 ≥ 0.84 and at most 0.5 points below the peer;
/// training examples/s ≥ 1.0× the peer's. Options: --max-train-samples N, --epochs E, --with-peer.
/// </summary>
internal static class NerFineTuneBenchmark
{
    public static int Run(string[] args)
    {
        var shared = BenchPaths.Shared;
        int? maxTrain = BenchArgs.Option(args, "--max-train-samples") is { } m ? int.Parse(m, CultureInfo.InvariantCulture) : null;
        var epochs = double.Parse(BenchArgs.Option(args, "--epochs") ?? "3", CultureInfo.InvariantCulture);
        var data = Path.Combine(shared, "data", "conll2003");
        var output = Directory.CreateTempSubdirectory("tunesharp-bench-ner-").FullName;
        var options = new TokenClassificationRunOptions
        {
            ModelDir = Path.Combine(shared, "models", "all-MiniLM-L6-v2"),
            TrainPath = Path.Combine(data, "eng.train"), ValidationPath = Path.Combine(data, "eng.testa"), TestPath = Path.Combine(data, "eng.testb"),
            MaxTrainSamples = maxTrain,
            // The peer's settings: no warmup or weight decay, the best epoch by dev F1 reloaded at the end, one checkpoint kept.
            Args = FineTuningDefaults.Arguments(output) with
            {
                LearningRate = 5e-5, NumTrainEpochs = epochs, PerDeviceTrainBatchSize = 32, MaxLength = 128, Seed = 42,
                LoadBestModelAtEnd = true, MetricForBestModel = "f1", SaveTotalLimit = 1, LoggingSteps = 100,
            },
        };
        var clock = Stopwatch.StartNew();
        var result = TokenClassificationFineTuning.Run(options, new PlainLogCallback(Console.Out, stepEvery: 100), Console.WriteLine);
        clock.Stop();
        var trainExamples = maxTrain ?? 14041;
        var examplesPerSecond = trainExamples * epochs / result.Train.RuntimeSeconds;
        var figures = new Dictionary<string, object>
        {
            ["train_examples"] = trainExamples,
            ["epochs"] = epochs,
            ["dev_f1"] = result.Validation.GetValueOrDefault("eval_f1"),
            ["test_f1"] = result.Test?.GetValueOrDefault("test_f1") ?? double.NaN,
            ["test_precision"] = result.Test?.GetValueOrDefault("test_precision") ?? double.NaN,
            ["test_recall"] = result.Test?.GetValueOrDefault("test_recall") ?? double.NaN,
            ["train_runtime_s"] = result.Train.RuntimeSeconds,
            ["train_examples_per_second"] = examplesPerSecond,
            ["wall_time_s"] = clock.Elapsed.TotalSeconds,
            ["peak_rss_mib"] = BenchChild.PeakRssMiB(),
            ["target_test_f1"] = 0.84,
        };
        var notes = "TuneSharp: fp32, dynamic padding, length-grouped batches (the recipe's default), AdamW, linear schedule without warmup; " +
                    "train_runtime includes the per-epoch dev evaluations, as the peer's does.";
        if (args.Contains("--with-peer") && RunPeer(maxTrain, epochs) is { } peer)
        {
            var peerResults = peer.GetProperty("results");
            var peerF1 = peerResults.GetProperty("test_f1").GetDouble();
            var peerSpeed = peerResults.GetProperty("train_examples_per_second").GetDouble();
            figures["peer_test_f1"] = peerF1;
            figures["peer_dev_f1"] = peerResults.GetProperty("dev_f1").GetDouble();
            figures["peer_train_runtime_s"] = peerResults.GetProperty("train_runtime_s").GetDouble();
            figures["peer_train_examples_per_second"] = peerSpeed;
            figures["test_f1_minus_peer_points"] = ((double)figures["test_f1"] - peerF1) * 100;
            figures["speed_ratio_vs_peer"] = examplesPerSecond / peerSpeed;
            var machine = peer.GetProperty("machine");
            notes += $" Peer: transformers {machine.GetProperty("transformers").GetString()} Trainer on PyTorch {machine.GetProperty("torch").GetString()}, " +
                     "1 PyTorch thread, OpenBLAS variables unset, group_by_length true as in TuneSharp's recipe (bench/peers/ner_trainer.py, same settings, run after TuneSharp in this benchmark run).";
        }
        ResultsFile.Write(maxTrain is null ? "ner_finetune_full" : $"ner_finetune_{maxTrain}", "CoNLL-2003 NER fine-tuning of all-MiniLM-L6-v2", figures, notes);
        try { Directory.Delete(output, true); } catch (IOException) { }
        return 0;
    }

    private static JsonElement? RunPeer(int? maxTrain, double epochs) =>
        PeerProcess.Run("ner_trainer.py", ["--epochs", epochs.ToString(CultureInfo.InvariantCulture),
            .. maxTrain is { } n ? new[] { "--max-train-samples", n.ToString(CultureInfo.InvariantCulture) } : []]);
}
