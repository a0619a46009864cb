using System.Diagnostics;
using TuneSharp.Architectures.Bert;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Bench;

/// <summary>
/// Training throughput of the shared BERT encoder at a fixed shape (default max length 128, batch 32, fp32),
/// as tokens/s and model FLOPs utilisation: MFU = (6 × non-embedding parameters × tokens + attention FLOPs) per
/// second ÷ the fp32 GEMM peak measured at the start of the same run. Options: --seq N, --batch B, --steps S, --bf16 (also time the same steps under bf16 autocast, as train --bf16 does).
/// </summary>
internal static class TrainingThroughputBenchmark
{
    public static int Run(string[] args)
    {
        var shared = BenchPaths.Shared;
        var seq = int.Parse(BenchArgs.Option(args, "--seq") ?? "128");
        var batch = int.Parse(BenchArgs.Option(args, "--batch") ?? "32");
        var steps = int.Parse(BenchArgs.Option(args, "--steps") ?? "20");
        var withBf16 = args.Contains("--bf16");
        set_num_threads(Environment.ProcessorCount);

        var peakFp32 = TuneSharp.Planning.MatmulThroughput.Measure(ScalarType.Float32);
        var peakBf16 = TuneSharp.Planning.MatmulThroughput.Measure(ScalarType.BFloat16);
        Console.WriteLine($"GEMM peak: fp32 {peakFp32:0.0} GFLOP/s, bf16 {peakBf16:0.0} GFLOP/s");

        var (model, _) = SequenceClassifierFactory.FromPretrained(Path.Combine(shared, "models", "all-MiniLM-L6-v2"), new SequenceClassificationOptions { NumLabels = 2 });
        var config = (BertConfig)model.Config;
        model.Module.train();
        var trainable = OptimizerSetup.TrainableParameters(model.Module);
        using var optimizer = OptimizerSetup.CreateAdamW(trainable, new TrainingArguments { OutputDir = Path.GetTempPath(), LearningRate = 1e-5 });
        var all = model.Module.parameters().Sum(p => p.numel());
        var embedding = model.Module.named_parameters().Where(p => p.name.Contains("embeddings.")).Sum(p => p.parameter.numel());
        var nonEmbedding = all - embedding;

        manual_seed(0);
        var ids = randint(1000, 20000, [batch, seq]);
        var mask = ones(batch, seq, dtype: ScalarType.Int64);
        var labels = randint(0, 2, [batch]);
        double Step(bool bf16 = false)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            Tensor loss;
            using (bf16 ? CpuAutocast.Enter() : null) // as the Trainer does with bf16 = true
                loss = SequenceClassificationLoss.Compute(model.Forward(ids, mask, null), labels, ProblemType.SingleLabelClassification);
            loss.backward();
            FusedAdamW.Step(optimizer); // the Trainer's optimizer step
            return loss.item<float>();
        }
        for (var i = 0; i < 3; i++) Step(); // warm-up
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++) Step();
        var seconds = clock.Elapsed.TotalSeconds;
        double? bf16Seconds = null;
        if (withBf16)
        {
            for (var i = 0; i < 3; i++) Step(bf16: true); // warm-up of the bf16 kernels
            var bf16Clock = Stopwatch.StartNew();
            for (var i = 0; i < steps; i++) Step(bf16: true);
            bf16Seconds = bf16Clock.Elapsed.TotalSeconds;
        }
        // The peak is measured again after training and the higher reading kept, so that a slow moment of this
        // shared machine during the first measurement cannot inflate the MFU.
        peakFp32 = Math.Max(peakFp32, TuneSharp.Planning.MatmulThroughput.Measure(ScalarType.Float32));
        Console.WriteLine($"GEMM peak after training: fp32 {peakFp32:0.0} GFLOP/s (the higher of the two readings is used)");

        var tokensPerSecond = (double)batch * seq * steps / seconds;
        // Attention score and value matmuls: 2·2·T·d FLOPs per token per layer forward, ×3 for forward + backward.
        var attentionPerToken = 12.0 * config.NumHiddenLayers * config.HiddenSize * seq;
        var flopsPerSecond = (6.0 * nonEmbedding + attentionPerToken) * tokensPerSecond;
        var figures = new Dictionary<string, object>
        {
            ["gemm_peak_fp32_gflops"] = peakFp32,
            ["gemm_peak_bf16_gflops"] = peakBf16,
            ["seq_len"] = seq,
            ["batch_size"] = batch,
            ["steps"] = steps,
            ["non_embedding_params"] = nonEmbedding,
            ["tokens_per_second_fp32"] = tokensPerSecond,
            ["model_gflops_per_second_fp32"] = flopsPerSecond / 1e9,
            ["mfu_vs_fp32_peak"] = flopsPerSecond / 1e9 / peakFp32,
            ["peak_rss_mib"] = BenchChild.PeakRssMiB(),
            ["target_mfu_fp32"] = 0.5,
        };
        if (bf16Seconds is { } b)
        {
            figures["tokens_per_second_bf16_autocast"] = (double)batch * seq * steps / b;
            figures["bf16_speedup_over_fp32"] = seconds / b;
            figures["target_bf16_speedup"] = 2.0;
        }
        ResultsFile.Write($"training_throughput_s{seq}_b{batch}" + (withBf16 ? "_bf16" : ""), "Training throughput of all-MiniLM-L6-v2 (fp32)", figures,
            "MFU = (6·N_non-embedding·tokens + 12·L·d·T·tokens) / s ÷ fp32 GEMM peak ([4096,384]×[384,1536]), the higher of two readings taken before and after the timed steps in the same run. Dropout active (train mode), AdamW.");
        return 0;
    }
}
