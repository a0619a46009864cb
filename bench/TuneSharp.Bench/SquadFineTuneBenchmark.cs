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
/// (default 384), --doc-stride S (default 128). The transformers peer for the same split is not written yet (issue 14's
/// note: it will use transformers' own slow-tokenizer SQuAD pipeline, squad_convert_examples_to_features).
/// Target: held-out F1 ≥ 55.
/// </summary>
internal static class SquadFineTuneBenchmark
{
    public static int Run(string[] args)
    {
        int? maxTrain = BenchArgs.Option(args, "--max-train-samples") is { } m ? int.Parse(m, CultureInfo.InvariantCulture) : null;
        var epochs = double.Parse(BenchArgs.Option(args, "--epochs") ?? "2", CultureInfo.InvariantCulture);
        var maxLength = int.Parse(BenchArgs.Option(args, "--max-length") ?? "384", CultureInfo.InvariantCulture);
        var docStride = int.Parse(BenchArgs.Option(args, "--doc-stride") ?? "128", CultureInfo.InvariantCulture);
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
                    LearningRate = 5e-5, NumTrainEpochs = epochs, PerDeviceTrainBatchSize = 32, MaxLength = maxLength, Seed = 42,
                    SaveStrategy = IntervalStrategy.No, LoggingSteps = 50,
                },
            };
            var clock = Stopwatch.StartNew();
            var result = QuestionAnsweringFineTuning.Run(options, new PlainLogCallback(Console.Out, stepEvery: 50), Console.WriteLine);
            clock.Stop();
            var figures = new Dictionary<string, object>
            {
                ["train_articles"] = trainArticles,
                ["held_out_articles"] = heldOutArticles,
                ["max_train_samples"] = maxTrain is { } n ? n : "all",
                ["epochs"] = epochs,
                ["max_length"] = maxLength,
                ["doc_stride"] = docStride,
                ["held_out_exact_match"] = result.Validation.GetValueOrDefault("eval_exact_match"),
                ["held_out_f1"] = result.Validation.GetValueOrDefault("eval_f1"),
                ["train_runtime_s"] = result.Train.RuntimeSeconds,
                ["wall_time_s"] = clock.Elapsed.TotalSeconds,
                ["peak_rss_mib"] = BenchChild.PeakRssMiB(),
                ["target_held_out_f1"] = 55,
            };
            ResultsFile.Write(maxTrain is null ? "squad_finetune" : $"squad_finetune_{maxTrain}", "SQuAD v1.1 (dev split by article) fine-tuning of all-MiniLM-L6-v2", figures,
                $"TuneSharp only (no peer yet): fp32, lr 5e-5, batch 32, max_length {maxLength}, doc_stride {docStride}, {epochs} epochs, seed 42, " +
                "train_runtime includes the per-epoch evaluations on the held-out articles.");
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
