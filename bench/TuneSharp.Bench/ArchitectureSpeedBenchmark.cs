using System.Globalization;
using TuneSharp.Models;
using TuneSharp.Recipes;
using TuneSharp.Tokenization;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Bench;

/// <summary>
/// Training speed per architecture against transformers (issue 15): for each of --architectures (default every
/// registered family: bert, roberta, distilbert, electra, deberta-v2, gpt2, gpt_neox, llama, qwen2, mistral) the peer (<c>bench/peers/architecture_speed_trainer.py</c>) builds a randomly
/// initialised model of all-MiniLM-L6-v2's size with transformers' from_config and saves it with its tokenizer; TuneSharp
/// (in a child process, so its peak memory is its own) and then transformers' Trainer fine-tune that same folder on the
/// first --max-train-samples (default 2,000) SST-2 rows: max_length 128, dynamic padding, length-grouped batches of 32,
/// lr 1e-4, 1 epoch, fp32. Figures per architecture: real tokens/s over train_runtime and peak RSS on both sides, the
/// ratio, and TuneSharp's model FLOPs utilisation against the fp32 GEMM peak measured at the start of the run, also as a
/// ratio to BERT's. Targets: ≥ 1.0× the peer's tokens/s for every architecture; MFU within 10% of BERT's.
/// </summary>
internal static class ArchitectureSpeedBenchmark
{
    private const int MaxLength = 128;
    private const int BatchSize = 32;
    // The peer's model shape (bench/peers/architecture_speed_trainer.py: 6 layers, hidden 384).
    private const int Layers = 6;
    private const int Hidden = 384;

    public static int Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "--child") return Child(args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture));
        var chosen = BenchArgs.Option(args, "--architectures");
        var architectures = (chosen ?? "bert,roberta,distilbert,electra,deberta-v2,gpt2,gpt_neox,llama,qwen2,mistral").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var rows = int.Parse(BenchArgs.Option(args, "--max-train-samples") ?? "2000", CultureInfo.InvariantCulture);
        var peak = TuneSharp.Planning.MatmulThroughput.Measure(ScalarType.Float32);
        Console.WriteLine($"GEMM peak: fp32 {peak:0.0} GFLOP/s");
        var figures = new Dictionary<string, object> { ["gemm_peak_fp32_gflops"] = peak, ["train_rows"] = rows, ["max_length"] = MaxLength, ["batch_size"] = BatchSize };
        var work = Directory.CreateTempSubdirectory("tunesharp-bench-arch-").FullName;
        double? bertMfu = null;
        try
        {
            foreach (var type in architectures)
            {
                var dir = Path.Combine(work, type);
                var made = PeerProcess.Run("architecture_speed_trainer.py", ["--model-type", type, "--model-dir", dir, "--make-model"])
                           ?? throw new TuneSharpException($"the peer could not build the {type} model");
                var ours = BenchChild.Run(["architecture-speed", "--child", type, dir, rows.ToString(CultureInfo.InvariantCulture)]);
                var peer = PeerProcess.Run("architecture_speed_trainer.py",
                    ["--model-type", type, "--model-dir", dir, "--max-train-samples", rows.ToString(CultureInfo.InvariantCulture)])
                    ?? throw new TuneSharpException($"the peer could not train the {type} model");
                var p = peer.GetProperty("results");
                var parameters = made.GetProperty("results").GetProperty("parameters").GetDouble();
                var embedding = made.GetProperty("results").GetProperty("embedding_parameters").GetDouble();
                var tokensPerSecond = (double)ours["train_tokens_per_second"];
                // 6 FLOPs per non-embedding parameter and token (forward and backward) + attention's score and value
                // products, 12·L·H·S per token with S the mean length of a training row, + DeBERTa's relative terms.
                var meanLength = (double)ours["train_tokens"] / (double)ours["train_examples"];
                var flopsPerToken = 6 * (parameters - embedding) + 12.0 * Layers * Hidden * meanLength + RelativeAttentionFlopsPerToken(type, meanLength);
                var mfu = tokensPerSecond * flopsPerToken / (peak * 1e9);
                if (type == "bert") bertMfu = mfu;
                figures[$"{type}_tokens_per_second"] = tokensPerSecond;
                figures[$"{type}_peer_tokens_per_second"] = p.GetProperty("train_tokens_per_second").GetDouble();
                figures[$"{type}_speed_ratio_vs_peer"] = tokensPerSecond / p.GetProperty("train_tokens_per_second").GetDouble();
                figures[$"{type}_train_tokens"] = ours["train_tokens"];
                figures[$"{type}_peer_train_tokens"] = p.GetProperty("train_tokens").GetDouble();
                figures[$"{type}_peak_rss_mib"] = ours["peak_rss_mib"];
                figures[$"{type}_peer_peak_rss_mib"] = p.GetProperty("peak_rss_mib").GetDouble();
                figures[$"{type}_mfu"] = mfu;
                if (bertMfu is { } b) figures[$"{type}_mfu_vs_bert"] = mfu / b;
                figures[$"{type}_parameters"] = parameters;
                Console.WriteLine($"{type}: {tokensPerSecond:0} tokens/s vs transformers {p.GetProperty("train_tokens_per_second").GetDouble():0} " +
                                  $"({tokensPerSecond / p.GetProperty("train_tokens_per_second").GetDouble():0.00}x), MFU {mfu:P1}");
            }
        }
        finally
        {
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
        // A subset writes its own file, so it never replaces the run of every family.
        ResultsFile.Write($"architecture_speed_{rows}" + (chosen is null ? "" : "_" + string.Join("_", architectures)), "Training speed per architecture, TuneSharp and transformers' Trainer", figures,
            "Models of all-MiniLM-L6-v2's size (6 layers, hidden 384, 12 heads, intermediate 1536, vocabulary 30,522; ELECTRA's embeddings " +
            "128 wide and projected; DeBERTa-v2 in v3's layout with 256 log buckets; Llama/Qwen2/Mistral's SwiGLU 1,024 wide, Qwen2 and " +
            "Mistral with 4 key/value heads) with random weights from transformers' from_config, trained by both on the same folder and " +
            "rows; tokens are the rows' real tokens (no padding) over train_runtime; RoBERTa and the decoders use the golden fixtures' " +
            "small byte-level BPE vocabularies, so their rows are longer. Peer: 1 PyTorch thread, OpenBLAS variables unset (bench/peers/architecture_speed_trainer.py), run " +
            "after TuneSharp for each architecture. MFU counts 6 FLOPs per non-embedding parameter and token plus attention (for DeBERTa also its " +
            "c2p and p2c products with the 2S − 1 relative rows an input of S tokens reads, and their projections), against the " +
            "fp32 GEMM peak measured at the start.");
        return 0;
    }

    /// <summary>
    /// DeBERTa's disentangled terms per token (forward and backward), 0 for the other families: c2p and p2c each score
    /// every query (key) against the 2S − 1 relative rows an input of S tokens reads, 2·H·(2S − 1) FLOPs per token and
    /// layer forward, like the content scores' 2·H·S; the rows' key and query projections are 2·(2S − 1)·H² each per
    /// batch and layer, spread over its 32·S tokens. Three times that with the backward pass.
    /// </summary>
    private static double RelativeAttentionFlopsPerToken(string type, double meanLength)
    {
        if (type != "deberta-v2") return 0;
        var rows = 2 * meanLength - 1;
        var scores = 2 * 2.0 * Hidden * rows;
        var projections = 2 * 2.0 * rows * Hidden * Hidden / (BatchSize * meanLength);
        return 3 * Layers * (scores + projections);
    }

    // One architecture's TuneSharp side, in its own process: the recipe on the folder the peer made.
    private static int Child(string type, string dir, int rows)
    {
        var output = Directory.CreateTempSubdirectory("tunesharp-bench-arch-run-").FullName;
        try
        {
            var result = TextClassificationFineTuning.Run(new TextClassificationRunOptions
            {
                ModelDir = dir, TrainPath = Sst2Tsv.TrainPath, ValidationPath = Sst2Tsv.DevPath, MaxEvalSamples = 32,
                TextColumn = "sentence", LabelColumn = "label", MaxTrainSamples = rows,
                Args = new TrainingArguments
                {
                    OutputDir = output, LearningRate = 1e-4, NumTrainEpochs = 1, PerDeviceTrainBatchSize = BatchSize, MaxLength = MaxLength,
                    GroupByLength = true, EvalStrategy = IntervalStrategy.No, SaveStrategy = IntervalStrategy.No, LoggingSteps = 1000, Seed = 42,
                },
            }, new NullTrainerCallback(), Console.WriteLine);
            var tokenizer = TextTokenizer.FromPretrained(dir);
            var texts = Sst2Tsv.Read(Sst2Tsv.TrainPath, rows).Select(r => r.Sentence).ToList();
            long tokens = texts.Sum(t => (long)tokenizer.Encode(t, options: new EncodeOptions { MaxLength = MaxLength }).Length);
            BenchChild.Report(new Dictionary<string, object>
            {
                ["model_type"] = type,
                ["train_examples"] = (double)texts.Count,
                ["train_tokens"] = (double)tokens,
                ["train_runtime_s"] = result.Train.RuntimeSeconds,
                ["train_tokens_per_second"] = tokens / result.Train.RuntimeSeconds,
                ["peak_rss_mib"] = BenchChild.PeakRssMiB(),
            });
            return 0;
        }
        finally
        {
            try { Directory.Delete(output, true); } catch (IOException) { }
        }
    }
}
