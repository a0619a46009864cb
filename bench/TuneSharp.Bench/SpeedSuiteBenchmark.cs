using System.Diagnostics;
using System.Text.Json;

namespace TuneSharp.Bench;

/// <summary>
/// The speed-and-memory suite in one command: runs training-throughput (fp32 and bf16), naive-baseline,
/// predict-vs-onnx, generation-speed and gradient-checkpointing, each in its own process one after the other (so they
/// neither share memory peaks nor compete for the cores), then writes speed_suite.json/.md: every headline ratio with
/// its target and whether it is met. The ratios are measured within each benchmark's own run (these machines are
/// noisy), never against an earlier run. The leak check (minutes) and the SST-2 runs stay separate commands.
/// </summary>
internal static class SpeedSuiteBenchmark
{
    private sealed record Target(string File, string Figure, string Label, double Bound, bool AtLeast);

    private static readonly string[][] Runs =
    [
        ["training-throughput", "--bf16"],
        ["naive-baseline"],
        ["predict-vs-onnx"],
        ["generation-speed"],
        ["gradient-checkpointing"],
    ];

    private static readonly Target[] Targets =
    [
        new("training_throughput_s128_b32_bf16", "mfu_vs_fp32_peak", "training MFU, fp32, length 128, batch 32", 0.5, true),
        new("training_throughput_s128_b32_bf16", "bf16_speedup_over_fp32", "bf16 / fp32 training tokens/s", 2.0, true),
        new("naive_baseline_2000", "speedup_tunesharp_over_naive", "SST-2 training vs the naive TorchSharp loop", 2.0, true),
        new("predict_vs_onnx_b32_t2", "ratio_tunesharp_over_ort_sorted", "predict vs ONNX Runtime, fp32", 1.0, true),
        new("generation_speed_256", "speedup_cache_over_no_cache", "generation with / without KV cache", 1.0, true),
        new("gradient_checkpointing_s512_b8", "peak_rss_saving", "gradient checkpointing: peak memory saved at length 512", 0.4, true),
        new("gradient_checkpointing_s512_b8", "time_ratio", "gradient checkpointing: time per step ratio", 1.4, false),
    ];

    public static int Run(string[] args)
    {
        _ = BenchPaths.Shared; // fail early and clearly without ../shared
        foreach (var run in Runs)
        {
            Console.WriteLine($"== {string.Join(' ', run)}");
            var start = BenchChild.StartSelf(run);
            using var child = Process.Start(start)!;
            while (child.StandardOutput.ReadLine() is { } line) Console.WriteLine("  " + line);
            child.WaitForExit();
            if (child.ExitCode != 0) throw new TuneSharpException($"benchmark '{string.Join(' ', run)}' failed (exit code {child.ExitCode}); the suite stops.");
        }

        var figures = new Dictionary<string, object>();
        var met = 0;
        foreach (var t in Targets)
        {
            var value = Read(t.File, t.Figure);
            var ok = t.AtLeast ? value >= t.Bound : value <= t.Bound;
            met += ok ? 1 : 0;
            figures[$"{t.Label} ({t.Figure})"] = $"{value:0.###} (target {(t.AtLeast ? ">=" : "<=")} {t.Bound}: {(ok ? "met" : "NOT met")})";
        }
        figures["targets_met"] = $"{met} of {Targets.Length}";
        ResultsFile.Write("speed_suite", "Speed and memory suite (all-MiniLM-L6-v2 / stories260K)", figures,
            "Each line comes from the results file named after it, written by this run. Details and notes are in those files.");
        return 0;
    }

    private static double Read(string file, string figure)
    {
        var path = Path.Combine(BenchPaths.Results, file + ".json");
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.GetProperty("results").GetProperty(figure).GetDouble();
    }
}
