using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using TuneSharp.Recipes;
using TuneSharp.Training;

namespace TuneSharp.Bench;

/// <summary>
/// Extractive QA on SQuAD v1.1 dev with all-MiniLM-L6-v2 (issue 14): the articles of dev-v1.1.json split
/// deterministically, the first 80% for training and the rest held out (<see cref="SplitByArticle"/>), SQuAD exact
/// match and F1 on the held-out articles. Options: --max-train-samples N, --epochs E (default 2), --max-length L
/// (default 384), --doc-stride S (default 128), --lr X (default 5e-5), --batch-size B (default 32), --warmup-ratio W
/// (default 0), --with-peer: then transformers' Trainer runs the same job after
/// TuneSharp in the reference environment (<c>bench/peers/squad_trainer.py</c>: the legacy slow-tokenizer SQuAD
/// features with the same window overlap, dynamic padding, 1 PyTorch thread, OpenBLAS variables unset) and the results
/// hold the ratios. Targets: held-out F1 ≥ 55 and at most 1 point below the peer; training examples/s ≥ 1.0× the peer's.
/// </summary>
internal static class SquadFineTuneBenchmark
{
    public static int Run(string[] args)
    {
        int? maxTrain = BenchArgs.Option(args, "--max-train-samples") is { } m ? int.Parse(m, CultureInfo.InvariantCulture) : null;
        var epochs = double.Parse(BenchArgs.Option(args, "--epochs") ?? "2", CultureInfo.InvariantCulture);
        var maxLength = int.Parse(BenchArgs.Option(args, "--max-length") ?? "384", CultureInfo.InvariantCulture);
        var docStride = int.Parse(BenchArgs.Option(args, "--doc-stride") ?? "128", CultureInfo.InvariantCulture);
        var lr = double.Parse(BenchArgs.Option(args, "--lr") ?? "5e-5", CultureInfo.InvariantCulture);
        var batch = int.Parse(BenchArgs.Option(args, "--batch-size") ?? "32", CultureInfo.InvariantCulture);
        var warmup = double.Parse(BenchArgs.Option(args, "--warmup-ratio") ?? "0", CultureInfo.InvariantCulture);
        var work = Directory.CreateTempSubdirectory("tunesharp-bench-squad-").FullName;
        try
        {
            var (train, heldOut, trainArticles, heldOutArticles) = SplitByArticle(Path.Combine(BenchPaths.Shared, "data", "squad", "dev-v1.1.json"), work);
            var options = new QuestionAnsweringRunOptions
            {
                ModelDir = Path.Combine(BenchPaths.Shared, "models", "all-MiniLM-L6-v2"),
                TrainPath = train, ValidationPath = heldOut, MaxTrainSamples = maxTrain, DocStride = docStride,
                Args = FineTuningDefaults.Arguments(Path.Combine(work, "out")) with
                {
                    LearningRate = lr, WarmupRatio = warmup, NumTrainEpochs = epochs, PerDeviceTrainBatchSize = batch, MaxLength = maxLength, Seed = 42,
                    SaveStrategy = IntervalStrategy.No, LoggingSteps = 50,
                },
            };
            var clock = Stopwatch.StartNew();
            var result = QuestionAnsweringFineTuning.Run(options, new PlainLogCallback(Console.Out, stepEvery: 50), Console.WriteLine);
            clock.Stop();
            var epochEval = result.Validation.GetValueOrDefault("eval_runtime");
            // The Trainer counts training windows (features) as its samples.
            var examplesPerSecond = result.Train.Metrics.GetValueOrDefault("train_samples_per_second");
            var trainFeatures = examplesPerSecond * result.Train.RuntimeSeconds / epochs;
            var withoutEvaluation = trainFeatures * epochs / (result.Train.RuntimeSeconds - Math.Ceiling(epochs) * epochEval);
            var figures = new Dictionary<string, object>
            {
                ["train_articles"] = trainArticles,
                ["held_out_articles"] = heldOutArticles,
                ["max_train_samples"] = maxTrain is { } n ? n : "all",
                ["epochs"] = epochs,
                ["max_length"] = maxLength,
                ["doc_stride"] = docStride,
                ["learning_rate"] = lr,
                ["batch_size"] = batch,
                ["warmup_ratio"] = warmup,
                ["held_out_exact_match"] = result.Validation.GetValueOrDefault("eval_exact_match"),
                ["held_out_f1"] = result.Validation.GetValueOrDefault("eval_f1"),
                ["train_features"] = Math.Round(trainFeatures),
                ["train_runtime_s"] = result.Train.RuntimeSeconds,
                ["train_examples_per_second"] = examplesPerSecond,
                ["epoch_evaluation_s"] = epochEval,
                ["train_examples_per_second_without_evaluation"] = withoutEvaluation,
                ["wall_time_s"] = clock.Elapsed.TotalSeconds,
                ["peak_rss_mib"] = BenchChild.PeakRssMiB(),
                ["target_held_out_f1"] = 55,
            };
            var notes = $"TuneSharp: fp32, lr {lr.ToString(CultureInfo.InvariantCulture)}, warmup_ratio {warmup.ToString(CultureInfo.InvariantCulture)}, batch {batch}, max_length {maxLength}, doc_stride {docStride} (tokens shared by consecutive windows), {epochs} epochs, seed 42, " +
                        "dynamic padding, length-grouped batches; train_runtime includes the per-epoch evaluations on the held-out articles " +
                        "(examples/s without them subtracts epochs × the last evaluation's eval_runtime); examples are training windows (features).";
            if (args.Contains("--with-peer") && PeerProcess.Run("squad_trainer.py", [
                    "--epochs", epochs.ToString(CultureInfo.InvariantCulture), "--max-length", maxLength.ToString(CultureInfo.InvariantCulture),
                    "--doc-stride", docStride.ToString(CultureInfo.InvariantCulture), "--learning-rate", lr.ToString("R", CultureInfo.InvariantCulture),
                    "--batch-size", batch.ToString(CultureInfo.InvariantCulture), "--warmup-ratio", warmup.ToString("R", CultureInfo.InvariantCulture),
                    .. maxTrain is { } n2 ? new[] { "--max-train-samples", n2.ToString(CultureInfo.InvariantCulture) } : []]) is { } peer)
            {
                var p = peer.GetProperty("results");
                double Peer(string key) => p.GetProperty(key).GetDouble();
                figures["peer_train_features"] = Peer("train_features");
                figures["peer_held_out_exact_match"] = Peer("held_out_exact_match");
                figures["peer_held_out_f1"] = Peer("held_out_f1");
                figures["peer_train_runtime_s"] = Peer("train_runtime_s");
                figures["peer_train_examples_per_second"] = Peer("train_examples_per_second");
                figures["peer_train_examples_per_second_without_evaluation"] = Peer("train_examples_per_second_without_evaluation");
                figures["held_out_f1_minus_peer_points"] = (double)figures["held_out_f1"] - Peer("held_out_f1");
                figures["speed_ratio_vs_peer"] = examplesPerSecond / Peer("train_examples_per_second");
                figures["speed_ratio_vs_peer_without_evaluation"] = withoutEvaluation / Peer("train_examples_per_second_without_evaluation");
                var machine = peer.GetProperty("machine");
                notes += $" Peer: transformers {machine.GetProperty("transformers").GetString()} Trainer on PyTorch {machine.GetProperty("torch").GetString()}, " +
                         "1 PyTorch thread, OpenBLAS variables unset, the legacy slow-tokenizer SQuAD features with the same overlap, dynamic padding, group_by_length " +
                         "(bench/peers/squad_trainer.py, same split and settings, run after TuneSharp in this benchmark run).";
            }
            var name = (maxTrain is null ? "squad_finetune" : $"squad_finetune_{maxTrain}") + (lr == 5e-5 ? "" : $"_lr{lr.ToString(CultureInfo.InvariantCulture)}")
                       + (batch == 32 ? "" : $"_b{batch}") + (warmup == 0 ? "" : $"_w{warmup.ToString(CultureInfo.InvariantCulture)}");
            ResultsFile.Write(name, "SQuAD v1.1 (dev split by article) fine-tuning of all-MiniLM-L6-v2", figures, notes);
            return 0;
        }
        finally
        {
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// Writes the first 80% of the file's articles (rounded down) and the rest as two SQuAD JSON files, in file order:
    /// no held-out question shares an article, so none shares a context, with training.
    /// </summary>
    internal static (string Train, string HeldOut, int TrainArticles, int HeldOutArticles) SplitByArticle(string squadPath, string dir)
    {
        var root = JsonNode.Parse(File.ReadAllText(squadPath))!;
        var articles = root["data"]!.AsArray().Select(a => a!.DeepClone()).ToList();
        var cut = articles.Count * 8 / 10;
        string Write(string name, IEnumerable<JsonNode> part)
        {
            var path = Path.Combine(dir, name);
            File.WriteAllText(path, new JsonObject { ["version"] = root["version"]?.DeepClone(), ["data"] = new JsonArray([.. part]) }.ToJsonString());
            return path;
        }
        return (Write("train.json", articles.Take(cut)), Write("held_out.json", articles.Skip(cut)), cut, articles.Count - cut);
    }
}
