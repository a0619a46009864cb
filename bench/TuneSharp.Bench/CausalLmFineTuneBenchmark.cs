using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TuneSharp.Recipes;
using TuneSharp.Tasks.CausalLm;
using TuneSharp.Tokenization;
using TuneSharp.Training;

namespace TuneSharp.Bench;

/// <summary>
/// Instruction and chat fine-tuning of the real stories260K Llama (issue 16), response-only loss:
/// <c>--dataset alpaca</c> (../shared/data/alpaca, a seeded 90/10 split, the built-in alpaca template) or
/// <c>--dataset sgd-chat</c> (../shared/data/sgd-chat train/dev, the built-in chatml template). TuneSharp's recipe runs
/// unpacked (length-grouped batches, the recipe's default), packed (<c>--packing</c>), and unpacked in random order
/// (transformers' default, no group_by_length) on the same files; the validation loss and perplexity are measured before
/// (the base model) and after, with a few sample generations. With <c>--with-peer</c>, transformers' Trainer
/// (<c>bench/peers/causal_lm_trainer.py</c>) trains on exactly TuneSharp's unpacked token sequences with the same
/// hyperparameters, after TuneSharp. Targets: final validation loss within 2% of the peer's; unpacked tokens/s ≥ 1.0× the
/// peer's; packed tokens/s ≥ 1.5× unpacked. Options: --dataset, --max-train-samples N, --max-eval-samples N (default
/// 500), --epochs E (1), --batch-size B (16), --learning-rate (5e-4), --max-length (512), --with-peer.
/// </summary>
internal static class CausalLmFineTuneBenchmark
{
    public static int Run(string[] args)
    {
        var shared = BenchPaths.Shared;
        var dataset = BenchArgs.Option(args, "--dataset") ?? "alpaca";
        int? maxTrain = BenchArgs.Option(args, "--max-train-samples") is { } m ? int.Parse(m, CultureInfo.InvariantCulture) : null;
        var maxEval = int.Parse(BenchArgs.Option(args, "--max-eval-samples") ?? "500", CultureInfo.InvariantCulture);
        var epochs = double.Parse(BenchArgs.Option(args, "--epochs") ?? "1", CultureInfo.InvariantCulture);
        var batch = int.Parse(BenchArgs.Option(args, "--batch-size") ?? "16", CultureInfo.InvariantCulture);
        var learningRate = double.Parse(BenchArgs.Option(args, "--learning-rate") ?? "5e-4", CultureInfo.InvariantCulture);
        var maxLength = int.Parse(BenchArgs.Option(args, "--max-length") ?? "512", CultureInfo.InvariantCulture);
        var model = Path.Combine(shared, "models", "stories260K");
        var work = Directory.CreateTempSubdirectory("tunesharp-bench-clm-").FullName;
        try
        {
            var (train, validation, template) = dataset switch
            {
                "alpaca" => SplitAlpaca(Path.Combine(shared, "data", "alpaca", "alpaca_5000.json"), work) is var (t, v) ? (t, v, "alpaca") : default,
                "sgd-chat" => (Path.Combine(shared, "data", "sgd-chat", "sgd_train.jsonl"), Path.Combine(shared, "data", "sgd-chat", "sgd_dev.jsonl"), "chatml"),
                _ => throw new TuneSharpException($"--dataset must be alpaca or sgd-chat, got '{dataset}'."),
            };
            CausalLmRunOptions Options(bool packing, string output, bool groupByLength = true) => new()
            {
                ModelDir = model, TrainPath = train, ValidationPath = validation, ChatTemplate = template, Packing = packing,
                MaxTrainSamples = maxTrain, MaxEvalSamples = maxEval, EvalGenerateSamples = packing ? 0 : 3,
                Args = FineTuningDefaults.Arguments(output) with
                {
                    LearningRate = learningRate, NumTrainEpochs = epochs, PerDeviceTrainBatchSize = batch, PerDeviceEvalBatchSize = 32,
                    MaxLength = maxLength, Seed = 42, SaveStrategy = IntervalStrategy.No, EvalStrategy = IntervalStrategy.No, LoggingSteps = 50,
                    GroupByLength = groupByLength,
                },
            };

            // The sequences both sides train on, exported for the peer, and the base model's validation loss.
            var data = new CausalLmRecipeTask(Options(false, Path.Combine(work, "unused")));
            data.LoadData(_ => { });
            var (trainExamples, evalExamples) = (data.TrainExamples, data.ValidationExamples);
            var before = BaseLoss(model, trainExamples, evalExamples);
            var trainFile = Export(trainExamples, Path.Combine(work, "train_examples.jsonl"));
            var evalFile = Export(evalExamples, Path.Combine(work, "eval_examples.jsonl"));
            var realTokens = trainExamples.Sum(e => (long)e.InputIds.Length) * epochs;

            var samples = new List<string>();
            var unpacked = CausalLmFineTuning.Run(Options(false, Path.Combine(work, "unpacked")), new PlainLogCallback(Console.Out, stepEvery: 50),
                line => { Console.WriteLine(line); if (line.StartsWith("sample: ", StringComparison.Ordinal)) samples.Add(line); });
            var packed = CausalLmFineTuning.Run(Options(true, Path.Combine(work, "packed")), new PlainLogCallback(Console.Out, stepEvery: 50), Console.WriteLine);
            // transformers' default order (no length grouping): the padding packing removes.
            var random = CausalLmFineTuning.Run(Options(false, Path.Combine(work, "random"), groupByLength: false), new PlainLogCallback(Console.Out, stepEvery: 50), Console.WriteLine);

            var figures = new Dictionary<string, object>
            {
                ["dataset"] = dataset, ["train_sequences"] = trainExamples.Count, ["eval_sequences"] = evalExamples.Count,
                ["epochs"] = epochs, ["batch_size"] = batch, ["learning_rate"] = learningRate, ["max_length"] = maxLength,
                ["eval_loss_before"] = before, ["eval_perplexity_before"] = Math.Exp(before),
                ["eval_loss"] = unpacked.Validation["eval_loss"], ["eval_perplexity"] = unpacked.Validation["eval_perplexity"],
                ["train_runtime_s"] = unpacked.Train.RuntimeSeconds, ["train_tokens"] = realTokens,
                ["train_tokens_per_second"] = realTokens / unpacked.Train.RuntimeSeconds,
                ["packed_eval_loss"] = packed.Validation["eval_loss"], ["packed_train_runtime_s"] = packed.Train.RuntimeSeconds,
                ["packed_train_tokens_per_second"] = realTokens / packed.Train.RuntimeSeconds,
                ["packed_speedup_vs_unpacked"] = unpacked.Train.RuntimeSeconds / packed.Train.RuntimeSeconds,
                ["ungrouped_eval_loss"] = random.Validation["eval_loss"], ["ungrouped_train_runtime_s"] = random.Train.RuntimeSeconds,
                ["ungrouped_train_tokens_per_second"] = realTokens / random.Train.RuntimeSeconds,
                ["packed_speedup_vs_ungrouped"] = random.Train.RuntimeSeconds / packed.Train.RuntimeSeconds,
                ["peak_rss_mib"] = BenchChild.PeakRssMiB(),
                ["target_packed_speedup"] = 1.5,
            };
            var notes = $"stories260K (Llama, 260K parameters), template {template}, loss on the assistant replies only, fp32, AdamW, linear " +
                        "schedule without warmup, length-grouped batches, no evaluation or checkpoints during training. Tokens are the real tokens of " +
                        "the unpacked sequences × epochs, the same for the packed run. Samples (greedy, after training): " + string.Join(" | ", samples);
            if (args.Contains("--with-peer"))
            {
                var peer = PeerProcess.Run("causal_lm_trainer.py",
                [
                    "--model-dir", model, "--train-examples", trainFile, "--eval-examples", evalFile,
                    "--epochs", epochs.ToString(CultureInfo.InvariantCulture), "--batch-size", batch.ToString(CultureInfo.InvariantCulture),
                    "--learning-rate", learningRate.ToString(CultureInfo.InvariantCulture), "--seed", "42",
                ]) ?? throw new TuneSharpException("the transformers peer failed");
                var p = peer.GetProperty("results");
                figures["peer_eval_loss_before"] = p.GetProperty("eval_loss_before").GetDouble();
                figures["peer_eval_loss"] = p.GetProperty("eval_loss").GetDouble();
                figures["peer_eval_perplexity"] = p.GetProperty("eval_perplexity").GetDouble();
                figures["peer_train_runtime_s"] = p.GetProperty("train_runtime_s").GetDouble();
                figures["peer_train_tokens_per_second"] = p.GetProperty("train_tokens_per_second").GetDouble();
                figures["eval_loss_vs_peer"] = (double)figures["eval_loss"] / p.GetProperty("eval_loss").GetDouble();
                figures["speed_ratio_vs_peer"] = (double)figures["train_tokens_per_second"] / p.GetProperty("train_tokens_per_second").GetDouble();
                figures["packed_speed_ratio_vs_peer"] = (double)figures["packed_train_tokens_per_second"] / p.GetProperty("train_tokens_per_second").GetDouble();
                notes += " Peer: transformers Trainer on TuneSharp's exported unpacked sequences (bench/peers/causal_lm_trainer.py), same " +
                         "hyperparameters, 1 PyTorch thread, OpenBLAS variables unset, run after TuneSharp; eval losses token-weighted on both sides.";
            }
            var name = $"causal_lm_finetune_{dataset}" + (maxTrain is { } n ? $"_{n}" : "");
            ResultsFile.Write(name, $"Causal-LM fine-tuning of stories260K on {dataset}", figures, notes);
            return 0;
        }
        finally
        {
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }

    // A seeded 90/10 split of the Alpaca JSON array into two files (the recipe then reads both as given).
    private static (string Train, string Validation) SplitAlpaca(string path, string work)
    {
        var rows = JsonNode.Parse(File.ReadAllText(path))!.AsArray().Select(r => r!.DeepClone()).ToArray();
        var order = Enumerable.Range(0, rows.Length).ToArray();
        new Random(42).Shuffle(order);
        var held = rows.Length / 10;
        string Write(string name, IEnumerable<int> indices)
        {
            var file = Path.Combine(work, name);
            File.WriteAllText(file, new JsonArray(indices.Order().Select(i => rows[i]).ToArray()).ToJsonString());
            return file;
        }
        return (Write("alpaca_train.json", order.Skip(held)), Write("alpaca_validation.json", order.Take(held)));
    }

    private static double BaseLoss(string modelDir, IReadOnlyList<CausalLmExample> train, IReadOnlyList<CausalLmExample> eval)
    {
        var (model, _) = AutoModelForCausalLM.FromPretrained(modelDir);
        var task = new CausalLmTask(model, TextTokenizer.FromPretrained(modelDir), [CausalLmTask.Single(train[0])]);
        return task.EvaluateOn(eval, 32)["eval_loss"];
    }

    private static string Export(IReadOnlyList<CausalLmExample> examples, string path)
    {
        File.WriteAllLines(path, examples.Select(e => JsonSerializer.Serialize(new { input_ids = e.InputIds, labels = e.Labels })));
        return path;
    }
}
