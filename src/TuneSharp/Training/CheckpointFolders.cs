using System.Globalization;
using TuneSharp.Checkpoints;

namespace TuneSharp.Training;

/// <summary>
/// checkpoint-STEP folders inside output_dir: written under a temporary name and renamed when complete (so a crash
/// never leaves a half-written checkpoint under the real name), and rotated to respect save_total_limit.
/// </summary>
public static class CheckpointFolders
{
    public const string Prefix = "checkpoint-";
    private const string TempPrefix = ".tmp-" + Prefix;

    public static string PathFor(string outputDir, int step) => Path.Combine(outputDir, Prefix + step.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Writes a checkpoint with <paramref name="write"/> into a temporary folder, flushes every file and the folder to
    /// disk, renames it to checkpoint-STEP and flushes <paramref name="outputDir"/>: after a crash or power loss at any
    /// point, checkpoint-STEP is either absent or complete. If writing fails (disk full...) the temporary folder is
    /// deleted and the exception propagates; existing checkpoints are untouched.
    /// </summary>
    public static string Save(string outputDir, int step, Action<string> write)
    {
        var final = PathFor(outputDir, step);
        var temp = Path.Combine(outputDir, TempPrefix + step.ToString(CultureInfo.InvariantCulture));
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        try
        {
            Directory.CreateDirectory(temp);
            write(temp);
            DiskSync.Tree(temp);
            if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
            Directory.Move(temp, final);
        }
        catch
        {
            try { if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
        DiskSync.Folder(outputDir);
        return final;
    }

    /// <summary>
    /// Deletes what an interrupted run (killed, out of power) left behind in <paramref name="outputDir"/>: temporary
    /// checkpoint folders and temporary files of atomic writes. Only safe while holding the folder's
    /// <see cref="OutputDirLock"/>, since another live run's temporaries look the same.
    /// </summary>
    /// <returns>The deleted paths.</returns>
    public static List<string> DeleteIncomplete(string outputDir)
    {
        var deleted = new List<string>();
        if (!Directory.Exists(outputDir)) return deleted;
        foreach (var dir in Directory.EnumerateDirectories(outputDir, TempPrefix + "*"))
        {
            Directory.Delete(dir, recursive: true);
            deleted.Add(dir);
        }
        foreach (var file in Directory.EnumerateFiles(outputDir, ".*.tmp"))
        {
            if (!CheckpointFiles.IsAtomicWriteLeftover(Path.GetFileName(file))) continue;
            File.Delete(file);
            deleted.Add(file);
        }
        return deleted;
    }

    /// <summary>Complete checkpoint folders in <paramref name="outputDir"/>, oldest (lowest step) first.</summary>
    public static List<(int Step, string Path)> List(string outputDir)
    {
        if (!Directory.Exists(outputDir)) return new();
        return Directory.EnumerateDirectories(outputDir, Prefix + "*")
            .Select(d => (Ok: int.TryParse(Path.GetFileName(d)[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var s), Step: s, Path: d))
            .Where(c => c.Ok)
            .OrderBy(c => c.Step)
            .Select(c => (c.Step, c.Path))
            .ToList();
    }

    /// <summary>The resume_from_checkpoint value that means "the highest checkpoint-N in output_dir".</summary>
    public const string Latest = "latest";

    /// <summary>Files a checkpoint must hold to resume from it (the model weights are checked by the task when loading).</summary>
    public static IReadOnlyList<string> RequiredForResume { get; } = [TrainerState.FileName, OptimizerStateFile.FileName];

    /// <summary>
    /// The folder that resume_from_checkpoint names: <paramref name="value"/> itself, or for "latest" the highest
    /// checkpoint-N in <paramref name="outputDir"/>. The folder must exist and hold <see cref="RequiredForResume"/>.
    /// </summary>
    /// <exception cref="TrainingException">No such folder, no checkpoint in output_dir, or a required file is missing (named).</exception>
    public static string ResolveForResume(string value, string outputDir)
    {
        string dir;
        if (string.Equals(value, Latest, StringComparison.OrdinalIgnoreCase))
        {
            var all = List(outputDir);
            if (all.Count == 0)
                throw new TrainingException(
                    $"resume_from_checkpoint is \"{Latest}\" but output_dir '{outputDir}' holds no {Prefix}N folder to resume from.");
            dir = all[^1].Path;
        }
        else
        {
            dir = value;
            if (!Directory.Exists(dir))
                throw new TrainingException($"resume_from_checkpoint: the checkpoint folder '{dir}' does not exist.");
        }
        var missing = RequiredForResume.Where(f => !File.Exists(Path.Combine(dir, f))).ToList();
        if (missing.Count > 0)
            throw new TrainingException(
                $"resume_from_checkpoint: '{dir}' is not a complete checkpoint; missing {string.Join(", ", missing)}.");
        return dir;
    }

    /// <summary>
    /// Deletes the oldest checkpoints until at most <paramref name="limit"/> remain, never the newest one and never
    /// <paramref name="bestCheckpoint"/> (so with a limit of 1 and an older best, two folders stay, as in HF).
    /// </summary>
    /// <returns>The deleted folders.</returns>
    public static List<string> Rotate(string outputDir, int? limit, string? bestCheckpoint)
    {
        var deleted = new List<string>();
        if (limit is not { } max) return deleted;
        var all = List(outputDir);
        var newest = all.Count > 0 ? all[^1].Path : null;
        var best = bestCheckpoint is null ? null : Path.GetFullPath(bestCheckpoint);
        var remaining = all.Count;
        foreach (var (_, path) in all)
        {
            if (remaining <= max) break;
            if (path == newest || Path.GetFullPath(path) == best) continue;
            Directory.Delete(path, recursive: true);
            deleted.Add(path);
            remaining--;
        }
        return deleted;
    }
}
