using System.Diagnostics;
using System.Globalization;
using TuneSharp.Architectures.Bert;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tasks.TextClassification;
using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Bench;

/// <summary>
/// Inference throughput on SST-2 dev: TuneSharp's predict path (<see cref="TextClassificationPipeline.Scores"/>, as
/// the CLI's predict calls it, on a classifier over all-MiniLM-L6-v2 with a fresh head) against ONNX Runtime running
/// the original ONNX export of the same model. Both get the same texts, the same tokenizer (TuneSharp's), the same
/// batch size, thread count and batches: the pipeline batches length-sorted texts, so ORT does too; a second pair
/// batches in input order (TuneSharp through <see cref="ISequenceClassifier.Forward"/>). Both timings include
/// tokenization. Repetitions are interleaved (TuneSharp, ORT, ...) so machine noise hits both alike; warm-up runs
/// are excluded; the median is reported. Options: --batch B (32), --threads N (all cores), --repetitions R (5),
/// --warmup W (1), --max-sentences N (all 872).
/// </summary>
internal static class PredictVsOnnxBenchmark
{
    public static int Run(string[] args)
    {
        var batchSize = int.Parse(BenchArgs.Option(args, "--batch") ?? "32");
        var threads = int.Parse(BenchArgs.Option(args, "--threads") ?? Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture));
        var repetitions = int.Parse(BenchArgs.Option(args, "--repetitions") ?? "5");
        var warmup = int.Parse(BenchArgs.Option(args, "--warmup") ?? "1");
        int? maxSentences = BenchArgs.Option(args, "--max-sentences") is { } m ? int.Parse(m) : null;
        if (repetitions < 1 || warmup < 0 || batchSize < 1) throw new TuneSharpException("--repetitions and --batch must be at least 1, --warmup at least 0.");
        var modelDir = Path.Combine(BenchPaths.Shared, "models", "all-MiniLM-L6-v2");
        var texts = Sst2Tsv.Read(Sst2Tsv.DevPath, maxSentences).Select(r => r.Sentence).ToList();

        set_num_threads(threads);
        manual_seed(0);
        var (classifier, _) = SequenceClassifierFactory.FromPretrained(modelDir, new SequenceClassificationOptions { NumLabels = 2 });
        var tokenizer = TextTokenizer.FromPretrained(modelDir);
        using var pipeline = new TextClassificationPipeline(classifier, tokenizer);
        using var onnx = new OnnxMiniLm(threads);
        var hiddenSize = ((BertConfig)classifier.Config).HiddenSize;
        var padId = tokenizer.SpecialTokens.PadId ?? 0;
        // The pipeline's own truncation: same options as its tokenization, so both runtimes see identical ids.
        var encodeOptions = new EncodeOptions { MaxLength = pipeline.MaxLength, Truncation = TruncationStrategy.LongestFirst };
        Console.WriteLine($"{texts.Count} sentences, batch {batchSize}, {threads} threads (libtorch and ORT intra-op), max length {pipeline.MaxLength}; ONNX {onnx.Describe}");

        (int[][] Ids, int[][] Types) Tokenize()
        {
            var encodings = texts.Select(t => tokenizer.Encode(t, null, encodeOptions)).ToArray();
            return (encodings.Select(e => e.InputIds).ToArray(), encodings.Select(e => e.TokenTypeIds).ToArray());
        }
        // Same order as the pipeline's: a stable sort by decreasing length.
        int[][] Batches(int[][] ids, bool sorted) =>
            (sorted ? Enumerable.Range(0, ids.Length).OrderByDescending(i => ids[i].Length) : Enumerable.Range(0, ids.Length)).Chunk(batchSize).ToArray();

        var maxDiff = SanityCheck(classifier, onnx, Tokenize(), Batches(Tokenize().Ids, sorted: true)[0], padId, hiddenSize);
        Console.WriteLine($"first sorted batch: max |ORT - TuneSharp BertModel| on last_hidden_state (real tokens) = {maxDiff:E2}");

        void TuneSharpPipeline() => pipeline.Scores(texts, batchSize);
        void TuneSharpInputOrder()
        {
            var (ids, types) = Tokenize();
            classifier.Module.eval();
            using var noGrad = no_grad();
            foreach (var rows in Batches(ids, sorted: false))
            {
                using var scope = NewDisposeScope();
                var (i, a, t) = PaddedBatch.Of(ids, types, rows, padId).ToTensors();
                softmax(classifier.Forward(i, a, t), -1).data<float>().ToArray();
            }
        }
        void Ort(bool sorted)
        {
            var (ids, types) = Tokenize();
            foreach (var rows in Batches(ids, sorted)) onnx.ClsVectors(PaddedBatch.Of(ids, types, rows, padId), hiddenSize);
        }
        void TokenizeOnly() => Tokenize();

        var runs = new (string Name, Action Body)[]
        {
            ("tunesharp_pipeline_sorted", TuneSharpPipeline),
            ("ort_sorted", () => Ort(sorted: true)),
            ("tunesharp_forward_input_order", TuneSharpInputOrder),
            ("ort_input_order", () => Ort(sorted: false)),
            ("tokenize_only", TokenizeOnly),
        };
        var seconds = runs.ToDictionary(r => r.Name, _ => new List<double>());
        for (var rep = 0; rep < warmup + repetitions; rep++)
        {
            foreach (var (name, body) in runs)
            {
                var clock = Stopwatch.StartNew();
                body();
                var s = clock.Elapsed.TotalSeconds;
                if (rep >= warmup) seconds[name].Add(s);
                Console.WriteLine(FormattableString.Invariant($"{(rep < warmup ? "warm-up" : $"rep {rep - warmup + 1}")} {name}: {s:0.000} s ({texts.Count / s:0.0} sentences/s)"));
            }
        }

        double Rate(string name) => texts.Count / BenchStats.Median(seconds[name]);
        var figures = new Dictionary<string, object>
        {
            ["sentences"] = texts.Count,
            ["batch_size"] = batchSize,
            ["threads"] = threads,
            ["max_length"] = pipeline.MaxLength,
            ["repetitions"] = repetitions,
            ["tunesharp_pipeline_sorted_sentences_per_s"] = Rate("tunesharp_pipeline_sorted"),
            ["ort_sorted_sentences_per_s"] = Rate("ort_sorted"),
            ["ratio_tunesharp_over_ort_sorted"] = Rate("tunesharp_pipeline_sorted") / Rate("ort_sorted"),
            ["tunesharp_forward_input_order_sentences_per_s"] = Rate("tunesharp_forward_input_order"),
            ["ort_input_order_sentences_per_s"] = Rate("ort_input_order"),
            ["ratio_tunesharp_over_ort_input_order"] = Rate("tunesharp_forward_input_order") / Rate("ort_input_order"),
            ["tokenize_only_median_s"] = BenchStats.Median(seconds["tokenize_only"]),
            ["tunesharp_pipeline_sorted_median_s"] = BenchStats.Median(seconds["tunesharp_pipeline_sorted"]),
            ["ort_sorted_median_s"] = BenchStats.Median(seconds["ort_sorted"]),
            // As text: the Markdown table rounds numbers to 4 decimals, which would print this ~1e-6 figure as 0.
            ["max_abs_diff_last_hidden_state_first_batch"] = maxDiff.ToString("0.00E+00", CultureInfo.InvariantCulture),
            ["ort_version"] = typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version?.ToString() ?? "?",
        };
        var resultName = $"predict_vs_onnx_b{batchSize}_t{threads}" + (maxSentences is null ? "" : $"_n{texts.Count}");
        ResultsFile.Write(resultName, "Inference: TuneSharp predict vs ONNX Runtime (all-MiniLM-L6-v2, SST-2 dev)", figures,
            "Both include tokenization with TuneSharp's WordPiece tokenizer (tokenize_only_median_s is that share). TuneSharp: " +
            "TextClassificationPipeline.Scores (length-sorted batches, fresh 2-label head, softmax) and, for input order, " +
            "ISequenceClassifier.Forward. ORT: the package's original fp32 ONNX export, ORT_ENABLE_ALL, last_hidden_state only " +
            "(the classifier's pooler + 384×2 head are not in ORT's timing; they are <1% of the FLOPs). Same batches, same threads, " +
            "interleaved repetitions, medians after warm-up.");
        classifier.Module.Dispose();
        return 0;
    }

    /// <summary>Largest |ORT − TuneSharp BertModel| over the real tokens of one batch of last_hidden_state.</summary>
    private static double SanityCheck(ISequenceClassifier classifier, OnnxMiniLm onnx, (int[][] Ids, int[][] Types) tokens, int[] rows, long padId, int hiddenSize)
    {
        var batch = PaddedBatch.Of(tokens.Ids, tokens.Types, rows, padId);
        var reference = onnx.LastHiddenState(batch);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var bert = ((BertForSequenceClassification)classifier.Module).Bert;
        bert.eval();
        var (ids, mask, types) = batch.ToTensors();
        var ours = bert.forward(ids, mask, types).LastHiddenState.contiguous().data<float>().ToArray();
        var max = 0.0;
        for (var k = 0; k < ours.Length; k++)
            if (batch.AttentionMask[k / hiddenSize] == 1) max = Math.Max(max, Math.Abs(ours[k] - reference[k]));
        return max;
    }
}
