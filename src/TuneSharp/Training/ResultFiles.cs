using System.Text.Json;

namespace TuneSharp.Training;

/// <summary>The metric files HF's example scripts write: train_results.json, eval_results.json, all_results.json.</summary>
public static class ResultFiles
{
    public const string TrainResults = "train_results.json";
    public const string EvalResults = "eval_results.json";
    public const string AllResults = "all_results.json";
    public const string TestResults = "test_results.json";

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes one metrics file (keys sorted, as HF's save_metrics does).</summary>
    public static void Write(string dir, string fileName, IReadOnlyDictionary<string, double> metrics)
    {
        var sorted = new SortedDictionary<string, double>(metrics.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);
        Checkpoints.CheckpointFiles.WriteTextAtomically(Path.Combine(dir, fileName), JsonSerializer.Serialize(sorted, Options));
    }

    /// <summary>Adds <paramref name="metrics"/> to a metrics file (created if absent), replacing keys it already has.</summary>
    public static void Merge(string dir, string fileName, IReadOnlyDictionary<string, double> metrics)
    {
        var all = File.Exists(Path.Combine(dir, fileName)) ? Read(dir, fileName) : new Dictionary<string, double>();
        foreach (var (key, value) in metrics) all[key] = value;
        Write(dir, fileName, all);
    }

    /// <summary>Reads a metrics file.</summary>
    public static Dictionary<string, double> Read(string dir, string fileName) =>
        JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(Path.Combine(dir, fileName)), Options)
        ?? new Dictionary<string, double>();
}
