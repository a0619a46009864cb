using System.Diagnostics;
using System.Globalization;
using TuneSharp.Architectures.Bert;
using TuneSharp.Recipes;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tokenization;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Bench;

/// <summary>
/// What the library's training path buys over the plainest TorchSharp loop, on the same SST-2 fine-tuning of
/// all-MiniLM-L6-v2: TuneSharp's recipe (<see cref="TextClassificationFineTuning"/>: dynamic padding, length-grouped
/// batches as the CLI's default) against a hand-written loop that pads every batch to the maximum length, shuffles
/// plainly and steps TorchSharp's AdamW. Both: the same first N training sentences, batch size, epochs, learning rate
/// with linear warm-up/decay, weight decay, gradient clipping, fp32, the same thread count, and the library's
/// BertForSequenceClassification. Reported: training examples/s of each (optimizer steps only; tokenization, model
/// loading and evaluation excluded on both sides), the speedup, and both dev accuracies.
/// Options: --train-examples N (2000), --full (all 67,349), --epochs E (1), --batch B (32), --lr X (1e-4),
/// --max-length L (128), --only naive|tunesharp.
/// </summary>
internal static class NaiveBaselineBenchmark
{
    private const double WarmupRatio = 0.06, WeightDecay = 0.01, MaxGradNorm = 1.0;
    private const int Seed = 42, EvalBatch = 64;

    public static int Run(string[] args)
    {
        int? trainExamples = args.Contains("--full") ? null : int.Parse(BenchArgs.Option(args, "--train-examples") ?? "2000");
        var epochs = int.Parse(BenchArgs.Option(args, "--epochs") ?? "1");
        var batch = int.Parse(BenchArgs.Option(args, "--batch") ?? "32");
        var lr = double.Parse(BenchArgs.Option(args, "--lr") ?? "1e-4", CultureInfo.InvariantCulture);
        var maxLength = int.Parse(BenchArgs.Option(args, "--max-length") ?? "128");
        var only = BenchArgs.Option(args, "--only");
        var modelDir = Path.Combine(BenchPaths.Shared, "models", "all-MiniLM-L6-v2");
        var train = Sst2Tsv.Read(Sst2Tsv.TrainPath, trainExamples);
        var dev = Sst2Tsv.Read(Sst2Tsv.DevPath);
        Console.WriteLine($"{train.Count} training sentences × {epochs} epoch(s), batch {batch}, lr {lr}, max length {maxLength}");

        var figures = new Dictionary<string, object>
        {
            ["train_examples"] = train.Count, ["epochs"] = epochs, ["batch_size"] = batch, ["learning_rate"] = lr, ["max_length"] = maxLength,
        };
        if (only is null or "tunesharp")
        {
            var (perSecond, accuracy, seconds) = TuneSharpRecipe(modelDir, trainExamples, epochs, batch, lr, maxLength);
            Console.WriteLine(FormattableString.Invariant($"TuneSharp: {perSecond:0.0} examples/s ({seconds:0.0} s), dev accuracy {accuracy:0.0000}"));
            figures["tunesharp_examples_per_s"] = perSecond;
            figures["tunesharp_train_s"] = seconds;
            figures["tunesharp_dev_accuracy"] = accuracy;
        }
        if (only is null or "naive")
        {
            var (perSecond, accuracy, seconds, threads) = NaiveLoop(modelDir, train, dev, epochs, batch, lr, maxLength);
            Console.WriteLine(FormattableString.Invariant($"naive: {perSecond:0.0} examples/s ({seconds:0.0} s), dev accuracy {accuracy:0.0000}"));
            figures["naive_examples_per_s"] = perSecond;
            figures["naive_train_s"] = seconds;
            figures["naive_dev_accuracy"] = accuracy;
            figures["threads"] = threads;
        }
        if (figures.ContainsKey("tunesharp_examples_per_s") && figures.ContainsKey("naive_examples_per_s"))
            figures["speedup_tunesharp_over_naive"] = (double)figures["tunesharp_examples_per_s"] / (double)figures["naive_examples_per_s"];
        figures["mean_tokens_per_example"] = MeanTokens(modelDir, train, maxLength);
        figures["peak_rss_mib"] = BenchChild.PeakRssMiB();

        ResultsFile.Write($"naive_baseline_{(trainExamples is null ? "full" : train.Count.ToString(CultureInfo.InvariantCulture))}" + (only is null ? "" : "_" + only),
            "SST-2 fine-tuning: TuneSharp Trainer vs a naive TorchSharp loop (all-MiniLM-L6-v2)", figures,
            "Naive: every batch padded to max_length, shuffled batches, torch.optim.AdamW (one group), linear warm-up/decay, clip 1.0, fp32. " +
            "TuneSharp: TextClassificationFineTuning with the CLI's defaults (group_by_length, dynamic padding), same hyper-parameters. " +
            "examples/s counts optimizer steps only (the Trainer's train_samples_per_second; the naive loop's own clock). " +
            "mean_tokens_per_example is the real (unpadded) length: the naive loop computes max_length tokens per example.");
        return 0;
    }

    private static (double PerSecond, double Accuracy, double Seconds) TuneSharpRecipe(string modelDir, int? trainExamples, int epochs, int batch, double lr, int maxLength)
    {
        var output = Directory.CreateTempSubdirectory("tunesharp-bench-naive-").FullName;
        try
        {
            var options = new TextClassificationRunOptions
            {
                ModelDir = modelDir, TrainPath = Sst2Tsv.TrainPath, ValidationPath = Sst2Tsv.DevPath,
                TextColumn = "sentence", LabelColumn = "label", MaxTrainSamples = trainExamples,
                Args = new TrainingArguments
                {
                    OutputDir = output, LearningRate = lr, NumTrainEpochs = epochs, PerDeviceTrainBatchSize = batch,
                    PerDeviceEvalBatchSize = EvalBatch, WarmupRatio = WarmupRatio, WeightDecay = WeightDecay, MaxGradNorm = MaxGradNorm,
                    EvalStrategy = IntervalStrategy.No, SaveStrategy = IntervalStrategy.No, GroupByLength = true,
                    MaxLength = maxLength, LoggingSteps = 50, Seed = Seed,
                },
            };
            var result = TextClassificationFineTuning.Run(options, new PlainLogCallback(Console.Out, stepEvery: 50), Console.WriteLine);
            return (result.Train.Metrics["train_samples_per_second"], result.Validation["eval_accuracy"], result.Train.RuntimeSeconds);
        }
        finally
        {
            try { Directory.Delete(output, true); } catch (IOException) { }
        }
    }

    private static (double PerSecond, double Accuracy, double Seconds, int Threads) NaiveLoop(string modelDir, List<Sst2Row> train, List<Sst2Row> dev,
        int epochs, int batch, double lr, int maxLength)
    {
        manual_seed(Seed);
        var (model, _) = SequenceClassifierFactory.FromPretrained(modelDir, new SequenceClassificationOptions { NumLabels = 2 });
        var threads = TuneSharp.Inference.TorchThreads.ConfigureFor(model.Module.parameters().Sum(p => p.numel())); // as the recipe does
        var tokenizer = TextTokenizer.FromPretrained(modelDir);
        var padded = new EncodeOptions { MaxLength = maxLength, Truncation = TruncationStrategy.LongestFirst, Padding = PaddingStrategy.MaxLength };
        var trainInputs = tokenizer.EncodeBatch(train.Select(r => r.Sentence).ToList(), null, padded);
        var devInputs = tokenizer.EncodeBatch(dev.Select(r => r.Sentence).ToList(), null, padded);

        using var optimizer = optim.AdamW(model.Module.parameters(), lr, weight_decay: WeightDecay);
        var stepsPerEpoch = (train.Count + batch - 1) / batch;
        var totalSteps = stepsPerEpoch * epochs;
        var warmupSteps = (int)Math.Ceiling(WarmupRatio * totalSteps);
        var step = 0;
        model.Module.train();
        var clock = Stopwatch.StartNew();
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            var order = Enumerable.Range(0, train.Count).ToArray();
            new Random(Seed + epoch).Shuffle(order);
            foreach (var rows in order.Chunk(batch))
            {
                using var scope = NewDisposeScope();
                var (ids, mask, types) = EncodingTensors.ToTensors(rows.Select(i => trainInputs[i]).ToList());
                var labels = tensor(rows.Select(i => (long)train[i].Label).ToArray());
                var loss = nn.functional.cross_entropy(model.Forward(ids, mask, types), labels);
                optimizer.zero_grad();
                loss.backward();
                nn.utils.clip_grad_norm_(model.Module.parameters(), MaxGradNorm);
                var factor = step < warmupSteps ? (double)step / warmupSteps : Math.Max(0.0, (double)(totalSteps - step) / Math.Max(1, totalSteps - warmupSteps));
                foreach (var group in optimizer.ParamGroups) group.LearningRate = lr * factor;
                optimizer.step();
                step++;
                if (step % 50 == 0) Console.WriteLine(FormattableString.Invariant($"naive step {step}/{totalSteps}: loss {loss.item<float>():0.0000}, {step * batch / clock.Elapsed.TotalSeconds:0.0} examples/s"));
            }
        }
        var seconds = clock.Elapsed.TotalSeconds;

        model.Module.eval();
        var correct = 0;
        using (no_grad())
        {
            foreach (var rows in Enumerable.Range(0, dev.Count).Chunk(EvalBatch))
            {
                using var scope = NewDisposeScope();
                var (ids, mask, types) = EncodingTensors.ToTensors(rows.Select(i => devInputs[i]).ToList());
                var predicted = model.Forward(ids, mask, types).argmax(-1).data<long>().ToArray();
                correct += rows.Where((i, k) => predicted[k] == dev[i].Label).Count();
            }
        }
        model.Module.Dispose();
        return ((double)train.Count * epochs / seconds, (double)correct / dev.Count, seconds, threads);
    }

    private static double MeanTokens(string modelDir, List<Sst2Row> train, int maxLength)
    {
        var tokenizer = TextTokenizer.FromPretrained(modelDir);
        var options = new EncodeOptions { MaxLength = maxLength, Truncation = TruncationStrategy.LongestFirst };
        return train.Average(r => tokenizer.Encode(r.Sentence, null, options).Length);
    }
}
