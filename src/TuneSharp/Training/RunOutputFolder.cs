using System.Text.Json.Nodes;

namespace TuneSharp.Training;

/// <summary>
/// The output_dir of one training run, opened before any expensive work: the path is checked (not a file, writable),
/// the folder is locked (<see cref="OutputDirLock"/>), what an interrupted run left half-written is removed, and the
/// outputs of an earlier run are never silently mixed with this run's. A folder that holds another run's outputs is
/// refused unless overwrite_output_dir (which clears them) or resume_from_checkpoint names a checkpoint of this
/// same run (same <see cref="RunIdentity"/> and training arguments, see <see cref="ResumeDifferences"/>).
/// Disposing releases the lock and deletes the lock file; a folder this run created and left empty is removed too.
/// </summary>
public sealed class RunOutputFolder : IDisposable
{
    private readonly OutputDirLock _lock;
    private readonly bool _created;
    private bool _disposed;

    private RunOutputFolder(string path, OutputDirLock outputLock, bool created, RunIdentity identity, string? resumeCheckpoint)
    {
        (Path, _lock, _created, Identity, ResumeCheckpoint) = (path, outputLock, created, identity, resumeCheckpoint);
    }

    /// <summary>The output folder.</summary>
    public string Path { get; }

    /// <summary>The settings of this run, written into output_dir and every checkpoint.</summary>
    public RunIdentity Identity { get; }

    /// <summary>The checkpoint folder resume_from_checkpoint resolved to (checked to be this run's), or null.</summary>
    public string? ResumeCheckpoint { get; }

    /// <summary>
    /// Training arguments that may change between a run and its resumption without making it another run: where and
    /// how often things are logged and saved, evaluation batch size, and memory/speed switches that give the same results.
    /// </summary>
    public static IReadOnlySet<string> MayDifferOnResume { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "output_dir", "resume_from_checkpoint", "overwrite_output_dir", "logging_steps", "save_strategy", "save_steps",
        "save_total_limit", "per_device_eval_batch_size", "gradient_checkpointing", "max_consecutive_nonfinite_steps",
    };

    /// <summary>Training arguments that may change on resume but change the run's length (and its schedule): reported.</summary>
    public static IReadOnlySet<string> LengthOnResume { get; } = new HashSet<string>(StringComparer.Ordinal) { "num_train_epochs", "max_steps" };

    /// <summary>
    /// Opens output_dir for a run with <paramref name="args"/> and <paramref name="identity"/> (see the class summary).
    /// <paramref name="log"/> receives what was cleared or noticed.
    /// </summary>
    /// <exception cref="TrainingException">The path is a file or not writable, another process holds the folder, it
    /// holds another run's outputs, or the checkpoint to resume from is missing, incomplete or another run's.</exception>
    public static RunOutputFolder Open(TrainingArguments args, RunIdentity identity, Action<string>? log = null)
    {
        var dir = args.OutputDir;
        CheckPath(dir);
        var created = !Directory.Exists(dir);
        if (created)
        {
            try { Directory.CreateDirectory(dir); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new TrainingException($"Cannot create the output folder '{dir}' (output_dir): {Reason(e)}.");
            }
        }
        OutputDirLock? outputLock = null;
        try
        {
            outputLock = OutputDirLock.Acquire(dir);
            foreach (var leftover in CheckpointFolders.DeleteIncomplete(dir))
                log?.Invoke($"deleted {leftover} (left incomplete by an interrupted run)");
            var resume = Decide(args, identity, log);
            return new RunOutputFolder(dir, outputLock, created, identity, resume);
        }
        catch
        {
            outputLock?.Dispose();
            if (created) DeleteIfEmpty(dir);
            throw;
        }
    }

    /// <summary>
    /// What <see cref="Open"/> would refuse, checked without creating, locking or deleting anything (for a plan); null
    /// when the folder is usable.
    /// </summary>
    public static string? Problem(TrainingArguments args, RunIdentity identity)
    {
        try
        {
            CheckPath(args.OutputDir);
            if (Directory.Exists(args.OutputDir)) Decide(args, identity, null, dryRun: true);
            else if (args.ResumeFromCheckpoint is { } r) CheckResume(CheckpointFolders.ResolveForResume(r, args.OutputDir), args, identity);
            return null;
        }
        catch (TrainingException e)
        {
            return e.Message;
        }
    }

    /// <summary>Writes this run's <see cref="Identity"/> into <paramref name="dir"/> (output_dir or a checkpoint).</summary>
    public void SaveIdentity(string dir) => Identity.Save(dir);

    /// <summary>Releases the lock, deletes the lock file and removes the folder if this run created it and left it empty.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _lock.Dispose();
        if (_created) DeleteIfEmpty(Path);
    }

    /// <summary>
    /// The settings in which a checkpoint's run differs from this one ("learning_rate: 5e-05 in the checkpoint, 0.0001
    /// now"), ignoring <see cref="MayDifferOnResume"/> and <see cref="LengthOnResume"/>. Empty when it is this run.
    /// </summary>
    public static List<string> ResumeDifferences(string checkpointDir, TrainingArguments args, RunIdentity identity)
    {
        var differences = new List<string>();
        var savedArgs = ReadArgs(checkpointDir);
        if (savedArgs is not null)
        {
            var now = JsonNode.Parse(args.ToJson())!.AsObject();
            foreach (var (key, value) in now)
            {
                if (MayDifferOnResume.Contains(key) || LengthOnResume.Contains(key) || !savedArgs.TryGetPropertyValue(key, out var saved)) continue;
                var (a, b) = (saved?.ToJsonString() ?? "null", value?.ToJsonString() ?? "null");
                if (a != b) differences.Add($"{key}: {a} in the checkpoint, {b} now");
            }
        }
        if (RunIdentity.Load(checkpointDir) is { } savedIdentity)
        {
            foreach (var key in savedIdentity.Settings.Keys.Union(identity.Settings.Keys).Order(StringComparer.Ordinal))
            {
                var a = savedIdentity.Settings.GetValueOrDefault(key);
                var b = identity.Settings.GetValueOrDefault(key);
                if (a != b) differences.Add($"{key}: {a ?? "(not set)"} in the checkpoint, {b ?? "(not set)"} now");
            }
        }
        return differences;
    }

    private static void CheckPath(string dir)
    {
        if (File.Exists(dir))
            throw new TrainingException($"output_dir '{dir}' is a file; it must be a folder (existing or to be created).");
        for (var parent = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(dir)); !string.IsNullOrEmpty(parent); parent = System.IO.Path.GetDirectoryName(parent))
        {
            if (File.Exists(parent))
                throw new TrainingException($"output_dir '{dir}' cannot be created: '{parent}' is a file, not a folder.");
            if (Directory.Exists(parent)) break;
        }
    }

    // Returns the checkpoint to resume from (or null); throws when the folder's contents and the arguments disagree.
    private static string? Decide(TrainingArguments args, RunIdentity identity, Action<string>? log, bool dryRun = false)
    {
        var dir = args.OutputDir;
        var outputs = RunOutputs.Find(dir);
        if (args.OverwriteOutputDir && args.ResumeFromCheckpoint is not null)
            throw new TrainingException("overwrite_output_dir and resume_from_checkpoint contradict each other: one starts afresh, the other continues a run. Choose one.");
        if (outputs.Count > 0 && !RunOutputs.IsFromTrainingRun(outputs))
            throw new TrainingException(
                $"output_dir '{dir}' holds model files that no training run wrote ({Names(outputs)}), e.g. a pretrained model; " +
                "they are never overwritten. Choose an empty or new folder as output_dir.");
        if (args.OverwriteOutputDir)
        {
            if (outputs.Count > 0 && !dryRun)
            {
                RunOutputs.Delete(dir, outputs);
                log?.Invoke($"overwrite_output_dir: deleted the earlier run's outputs in {dir} ({Names(outputs)})");
            }
            return null;
        }
        if (args.ResumeFromCheckpoint is { } value)
        {
            var checkpoint = CheckpointFolders.ResolveForResume(value, dir);
            CheckResume(checkpoint, args, identity);
            // Reading only, so a plan (dry run) refuses this too, as train would.
            var others = CheckpointFolders.List(dir).Where(c => ResumeDifferences(c.Path, args, identity).Count > 0).Select(c => c.Path).ToList();
            if (others.Count > 0)
                throw new TrainingException(
                    $"output_dir '{dir}' also holds checkpoints of another run ({string.Join(", ", others.Select(System.IO.Path.GetFileName))}); " +
                    "save_total_limit would delete them as this run's. Move them away or resume into another output_dir.");
            return checkpoint;
        }
        if (outputs.Count == 0) return null;
        var latest = CheckpointFolders.List(dir).LastOrDefault();
        var sameSettings = latest.Path is not null && ResumeDifferences(latest.Path, args, identity).Count == 0;
        throw new TrainingException(
            $"output_dir '{dir}' already holds the outputs of a training run ({Names(outputs)}). " +
            (sameSettings
                ? $"It has the same settings as this run: continue it from {System.IO.Path.GetFileName(latest.Path)} with resume_from_checkpoint \"{CheckpointFolders.Latest}\", "
                : "Continue that run with its own settings and resume_from_checkpoint, ") +
            "start afresh with overwrite_output_dir (deletes those outputs), or choose another output_dir.");
    }

    private static void CheckResume(string checkpoint, TrainingArguments args, RunIdentity identity)
    {
        var differences = ResumeDifferences(checkpoint, args, identity);
        if (differences.Count > 0)
            throw new TrainingException(
                $"resume_from_checkpoint: {checkpoint} belongs to another run; it differs in {string.Join("; ", differences)}. " +
                "Resume with that run's settings, or start this run in another output_dir (or with overwrite_output_dir).");
    }

    private static JsonObject? ReadArgs(string dir)
    {
        var path = System.IO.Path.Combine(dir, TrainingArguments.FileName);
        if (!File.Exists(path)) return null;
        try { return JsonNode.Parse(File.ReadAllText(path)) as JsonObject; }
        catch (Exception e) when (e is System.Text.Json.JsonException or IOException or UnauthorizedAccessException)
        {
            throw new TrainingException($"resume_from_checkpoint: {path} cannot be read ({e.Message}); the checkpoint is damaged.");
        }
    }

    private static string Names(IReadOnlyList<string> outputs) =>
        string.Join(", ", outputs.Take(6)) + (outputs.Count > 6 ? $" and {outputs.Count - 6} more" : "");

    private static string Reason(Exception e) => e is UnauthorizedAccessException ? "permission denied" : e.Message;

    private static void DeleteIfEmpty(string dir)
    {
        try
        {
            if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
