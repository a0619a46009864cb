using TuneSharp.Training;

namespace TuneSharp.Tests.Training;

/// <summary>
/// Crash recovery with real processes: the CLI trains a tiny BERT in a child process that is SIGKILLed at several
/// points (half-way through writing a checkpoint, between checkpoints, by an outside kill, while writing the last
/// checkpoint), resumed each time with --resume-from-checkpoint latest, and must end with a model.safetensors that is
/// byte-for-byte the one of an uninterrupted run.
/// </summary>
[Collection(TorchRandomCollection.Name)]
public class SigkillResumeTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly TinyCliRun _run;

    // 2 epochs of 12 steps, a checkpoint every 4 steps.
    private const int TotalSteps = 2 * TinyCliRun.StepsPerEpoch;

    public SigkillResumeTests() => _run = new TinyCliRun(_tmp);

    public void Dispose() => _tmp.Dispose();

    private string[] TrainArgs(string output, bool resume) => _run.TrainArgs(output, resume);

    private static Dictionary<string, string?> Fault(string point, int step) => new() { [FaultInjection.Variable] = $"{point}:{step}" };

    private void RunKilled(string output, bool resume, Dictionary<string, string?> fault)
    {
        var (code, log) = CliChildProcess.Run(TrainArgs(output, resume), fault);
        Assert.True(code == CliChildProcess.KilledExitCode, $"expected the run to be SIGKILLed (exit {CliChildProcess.KilledExitCode}), got {code}:\n{log}");
    }

    private static string Latest(string output) => CheckpointFolders.ResolveForResume(CheckpointFolders.Latest, output);

    [Fact]
    public void KilledAtSeveralPointsAndResumedEndsWithTheUninterruptedWeights()
    {
        var reference = _tmp.File("reference");
        var (code, log) = CliChildProcess.Run(TrainArgs(reference, resume: false));
        Assert.True(code == 0, log);
        Assert.Equal(TotalSteps, CheckpointFolders.List(reference)[^1].Step);

        var output = _tmp.File("killed");

        // 1. Killed half-way through writing checkpoint-8: the weights and optimizer state are there, the rest is not.
        RunKilled(output, resume: false, Fault(FaultInjection.DuringCheckpoint, 8));
        var half = Path.Combine(output, ".tmp-checkpoint-8");
        Assert.True(File.Exists(Path.Combine(half, "optimizer.safetensors")), "the kill should land after the optimizer state was written");
        Assert.False(File.Exists(Path.Combine(half, TrainerState.FileName)), "the kill should land before trainer_state.json was written");
        Assert.False(Directory.Exists(CheckpointFolders.PathFor(output, 8)), "a half-written checkpoint must not appear under its real name");
        Assert.Equal(CheckpointFolders.PathFor(output, 4), Latest(output)); // the half checkpoint is not "latest"

        // 2. Resumed from checkpoint-4, killed right after step 14 (between checkpoints). The leftover is cleaned.
        RunKilled(output, resume: true, Fault(FaultInjection.AfterStep, 14));
        Assert.False(Directory.Exists(half), "the resumed run should delete the half-written checkpoint folder");
        Assert.Equal(CheckpointFolders.PathFor(output, 12), Latest(output));

        // 3. Resumed from checkpoint-12 and killed from outside as soon as checkpoint-16 appears (wherever it is then).
        using (var child = CliChildProcess.Start(TrainArgs(output, resume: true)))
        {
            var deadline = DateTime.UtcNow.AddMinutes(1);
            while (!Directory.Exists(CheckpointFolders.PathFor(output, 16)) && !child.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(5);
            Assert.False(child.HasExited, "the run ended before it could be killed:\n" + child.Output);
            child.KillHard();
        }
        Assert.InRange(CheckpointFolders.List(output)[^1].Step, 16, TotalSteps - 1);

        // 4. Resumed and killed while writing the last checkpoint: the final model is not written yet.
        RunKilled(output, resume: true, Fault(FaultInjection.DuringCheckpoint, TotalSteps));
        Assert.False(File.Exists(Path.Combine(output, "model.safetensors")), "no final model may be written before the last checkpoint");

        // 5. Resumed to the end.
        (code, log) = CliChildProcess.Run(TrainArgs(output, resume: true));
        Assert.True(code == 0, log);
        Assert.Contains($".tmp-checkpoint-{TotalSteps} (left incomplete by an interrupted run)", log);
        Assert.Empty(Directory.GetDirectories(output, ".tmp-*"));

        Assert.True(File.ReadAllBytes(Path.Combine(reference, "model.safetensors")).AsSpan()
            .SequenceEqual(File.ReadAllBytes(Path.Combine(output, "model.safetensors"))), "the final weights differ from the uninterrupted run's");
        var lastCheckpoint = $"checkpoint-{TotalSteps}";
        Assert.True(File.ReadAllBytes(Path.Combine(reference, lastCheckpoint, "optimizer.safetensors")).AsSpan()
            .SequenceEqual(File.ReadAllBytes(Path.Combine(output, lastCheckpoint, "optimizer.safetensors"))), "the final optimizer state differs");
    }
}
