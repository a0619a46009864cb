using TuneSharp.Training;

namespace TuneSharp.Tests.Training;

/// <summary>
/// The output folder of a run is opened before any work and never mixes two runs: paths that cannot be a folder, a
/// folder with another run's outputs (refused, or cleared by overwrite_output_dir), a pretrained model folder (never
/// cleared), resuming another run's checkpoint, and what the folder looks like after a refusal or a clean exit.
/// </summary>
public class RunOutputFolderTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static TrainingArguments Args(string dir, string? resume = null, bool overwrite = false, double lr = 1e-4) =>
        new() { OutputDir = dir, ResumeFromCheckpoint = resume, OverwriteOutputDir = overwrite, LearningRate = lr };

    private static readonly RunIdentity Identity = RunIdentity.Of(("task", "text-classification"), ("train", "100 bytes, sha256 aa"));

    /// <summary>A finished run's outputs: a checkpoint with its arguments and identity, the model and result files.</summary>
    private static void WriteFinishedRun(string dir, TrainingArguments args, RunIdentity identity, int step = 32)
    {
        var checkpoint = CheckpointFolders.PathFor(dir, step);
        Directory.CreateDirectory(checkpoint);
        foreach (var file in CheckpointFolders.RequiredForResume) File.WriteAllText(Path.Combine(checkpoint, file), "{}");
        args.Save(checkpoint);
        identity.Save(checkpoint);
        foreach (var file in new[] { "config.json", "model.safetensors", "trainer_state.json", "all_results.json", "vocab.txt" })
            File.WriteAllText(Path.Combine(dir, file), "{}");
        args.Save(dir);
    }

    [Fact]
    public void AFileIsNotAnOutputFolder()
    {
        var file = _tmp.File("a-file");
        File.WriteAllText(file, "x");
        var error = Assert.Throws<TrainingException>(() => RunOutputFolder.Open(Args(file), Identity));
        Assert.Contains($"output_dir '{file}' is a file", error.Message);

        var below = Path.Combine(file, "run");
        error = Assert.Throws<TrainingException>(() => RunOutputFolder.Open(Args(below), Identity));
        Assert.Contains($"'{file}' is a file, not a folder", error.Message);
        Assert.Equal("x", File.ReadAllText(file));
    }

    [SkippableFact]
    public void AFolderThatCannotBeCreatedIsNamed()
    {
        // /sys refuses new folders even to root (tests run as root in CI, where permissions do not stop anything).
        Skip.IfNot(Directory.Exists("/sys/kernel"), "needs Linux sysfs");
        var error = Assert.Throws<TrainingException>(() => RunOutputFolder.Open(Args("/sys/kernel/tunesharp-run"), Identity));
        Assert.Contains("Cannot create the output folder '/sys/kernel/tunesharp-run'", error.Message);
    }

    [Fact]
    public void ACleanExitLeavesNoLockFileAndARefusalNoEmptyFolder()
    {
        var dir = _tmp.File("fresh");
        using (RunOutputFolder.Open(Args(dir), Identity))
            Assert.True(File.Exists(Path.Combine(dir, OutputDirLock.FileName)));
        Assert.False(Directory.Exists(dir), "an output folder this run created and left empty is removed");

        var kept = _tmp.File("kept");
        using (var output = RunOutputFolder.Open(Args(kept), Identity)) File.WriteAllText(Path.Combine(kept, "config.json"), "{}");
        Assert.Equal(["config.json"], Directory.GetFileSystemEntries(kept).Select(Path.GetFileName));

        // Refused at start (resume from nothing): no folder is left behind.
        var refused = _tmp.File("refused");
        Assert.Throws<TrainingException>(() => RunOutputFolder.Open(Args(refused, resume: CheckpointFolders.Latest), Identity));
        Assert.False(Directory.Exists(refused));
    }

    [Fact]
    public void AnotherRunsOutputsAreRefusedAndLeftUntouched()
    {
        var dir = _tmp.File("used");
        WriteFinishedRun(dir, Args(dir, lr: 5e-5), Identity);
        var before = Directory.GetFileSystemEntries(dir, "*", SearchOption.AllDirectories).Order().ToList();

        var error = Assert.Throws<TrainingException>(() => RunOutputFolder.Open(Args(dir), Identity));
        Assert.Contains("already holds the outputs of a training run (checkpoint-32, all_results.json, config.json", error.Message);
        Assert.Contains("overwrite_output_dir", error.Message);
        Assert.Equal(before, Directory.GetFileSystemEntries(dir, "*", SearchOption.AllDirectories).Order().ToList());

        // The same settings: the message says it can simply be resumed.
        error = Assert.Throws<TrainingException>(() => RunOutputFolder.Open(Args(dir, lr: 5e-5), Identity));
        Assert.Contains("same settings as this run: continue it from checkpoint-32 with resume_from_checkpoint \"latest\"", error.Message);
    }

    [Fact]
    public void OverwriteOutputDirDeletesTheEarlierRunButNotTheUsersOwnFiles()
    {
        var dir = _tmp.File("overwrite");
        WriteFinishedRun(dir, Args(dir, lr: 5e-5), Identity);
        File.WriteAllText(Path.Combine(dir, "my-notes.txt"), "keep me");
        var logged = new List<string>();
        using (RunOutputFolder.Open(Args(dir, overwrite: true), Identity, logged.Add)) { }
        Assert.Equal(["my-notes.txt"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
        Assert.Contains(logged, l => l.Contains("deleted the earlier run's outputs") && l.Contains("checkpoint-32"));

        var both = Assert.Throws<TrainingException>(() => RunOutputFolder.Open(Args(dir, resume: "latest", overwrite: true), Identity));
        Assert.Contains("contradict", both.Message);
    }

    [Fact]
    public void APretrainedModelFolderIsNeverOverwritten()
    {
        var dir = _tmp.File("pretrained");
        Directory.CreateDirectory(dir);
        foreach (var file in new[] { "config.json", "model.safetensors", "vocab.txt" }) File.WriteAllText(Path.Combine(dir, file), "{}");
        var error = Assert.Throws<TrainingException>(() => RunOutputFolder.Open(Args(dir, overwrite: true), Identity));
        Assert.Contains("model files that no training run wrote (config.json, model.safetensors, vocab.txt)", error.Message);
        Assert.Equal(3, Directory.GetFiles(dir).Length);
    }

    [Fact]
    public void ResumeTakesOnlyThisRunsCheckpoints()
    {
        var dir = _tmp.File("resume");
        WriteFinishedRun(dir, Args(dir, lr: 5e-5), Identity);

        // Another learning rate, another data file: another run.
        var error = Assert.Throws<TrainingException>(() => RunOutputFolder.Open(Args(dir, resume: "latest"), Identity));
        Assert.Contains("checkpoint-32 belongs to another run; it differs in learning_rate: 5E-05 in the checkpoint, 0.0001 now", error.Message);
        var otherData = RunIdentity.Of(("task", "text-classification"), ("train", "200 bytes, sha256 bb"));
        error = Assert.Throws<TrainingException>(() => RunOutputFolder.Open(Args(dir, resume: "latest", lr: 5e-5), otherData));
        Assert.Contains("train: 100 bytes, sha256 aa in the checkpoint, 200 bytes, sha256 bb now", error.Message);

        // The same run, with what may change on resume changed (logging, saving, evaluation batch size).
        var same = Args(dir, resume: "latest", lr: 5e-5) with { LoggingSteps = 7, SaveTotalLimit = 1, PerDeviceEvalBatchSize = 99 };
        using var output = RunOutputFolder.Open(same, Identity);
        Assert.Equal(CheckpointFolders.PathFor(dir, 32), output.ResumeCheckpoint);
    }

    [Fact]
    public void PlanReportsTheSameProblemWithoutTouchingAnything()
    {
        var dir = _tmp.File("plan");
        WriteFinishedRun(dir, Args(dir, lr: 5e-5), Identity);
        var before = Directory.GetFileSystemEntries(dir, "*", SearchOption.AllDirectories).Order().ToList();
        Assert.Contains("already holds the outputs", RunOutputFolder.Problem(Args(dir), Identity));
        Assert.Null(RunOutputFolder.Problem(Args(dir, overwrite: true), Identity));
        Assert.Equal(before, Directory.GetFileSystemEntries(dir, "*", SearchOption.AllDirectories).Order().ToList());
        Assert.Null(RunOutputFolder.Problem(Args(_tmp.File("new")), Identity));
        Assert.False(Directory.Exists(_tmp.File("new")));
    }

    [Fact]
    public void TheLockFileOfAKilledRunDoesNotCountAsAnOutput()
    {
        var dir = _tmp.File("killed");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, OutputDirLock.FileName), "pid 1");
        using var output = RunOutputFolder.Open(Args(dir), Identity);
        Assert.Null(output.ResumeCheckpoint);
    }
}
