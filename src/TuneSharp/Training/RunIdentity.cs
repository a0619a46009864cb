using System.Text.Json;
using System.Text.Json.Nodes;

namespace TuneSharp.Training;

/// <summary>
/// What makes a training run the run it is beyond its <see cref="TrainingArguments"/>: the model, the data files and
/// columns, the task and the fine-tuning method, as named settings (e.g. <c>model</c> → the model folder's full path).
/// Saved as <see cref="FileName"/> in output_dir and in every checkpoint, so that resuming can tell a checkpoint of
/// this run from one another run left in the same folder.
/// </summary>
public sealed record RunIdentity
{
    /// <summary>File that holds the settings inside output_dir and each checkpoint folder.</summary>
    public const string FileName = "run_settings.json";

    /// <summary>The settings, by name.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>No settings beyond the training arguments (a <see cref="Trainer"/> used directly from code).</summary>
    public static RunIdentity None { get; } = new();

    /// <summary>Settings from name/value pairs; null values are left out.</summary>
    public static RunIdentity Of(params (string Name, string? Value)[] settings) => new()
    {
        Settings = settings.Where(s => s.Value is not null).ToDictionary(s => s.Name, s => s.Value!, StringComparer.Ordinal),
    };

    /// <summary>
    /// A data file by size and content hash ("5,012 bytes, sha256 3f2a…"): the same file found at another path or under
    /// another name matches, an edited one does not (its rows, and so the batches of a resumed run, would differ).
    /// </summary>
    public static string FileFingerprint(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
        return $"{stream.Length:N0} bytes, sha256 {hash[..16]}";
    }

    /// <summary>
    /// A model folder by its config.json and the names, dtypes and shapes of its weights (not their values, which would
    /// mean reading gigabytes): a moved or copied folder matches, a different model does not.
    /// </summary>
    public static string ModelFingerprint(string modelDir)
    {
        var text = new System.Text.StringBuilder(File.ReadAllText(Path.Combine(modelDir, Models.PretrainedConfig.FileName)));
        foreach (var info in Checkpoints.ModelWeights.ReadInfos(modelDir).OrderBy(i => i.Name, StringComparer.Ordinal))
            text.Append('\n').Append(info.Name).Append(' ').Append(info.DType).Append(' ').AppendJoin(',', info.Shape);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString())));
        return $"config and weight shapes sha256 {hash[..16]}";
    }

    /// <summary>Writes <see cref="FileName"/> into <paramref name="dir"/> (atomically).</summary>
    public void Save(string dir) => Checkpoints.CheckpointFiles.WriteTextAtomically(Path.Combine(dir, FileName),
        new JsonObject(Settings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => KeyValuePair.Create(s.Key, (JsonNode?)JsonValue.Create(s.Value))))
            .ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    /// <summary>The settings saved in <paramref name="dir"/>, or null when it has none (or they cannot be read).</summary>
    public static RunIdentity? Load(string dir)
    {
        var path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            if (JsonNode.Parse(File.ReadAllText(path)) is not JsonObject obj) return null;
            return new RunIdentity
            {
                Settings = obj.Where(p => p.Value is JsonValue).ToDictionary(p => p.Key, p => p.Value!.ToString(), StringComparer.Ordinal),
            };
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null;
        }
    }
}
