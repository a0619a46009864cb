using TuneSharp.Training;

namespace TuneSharp.Tests.Training;

/// <summary>
/// SIGTERM (what a job scheduler, <c>kill</c> or <c>docker stop</c> sends) stops a training run the way Ctrl-C does:
/// after the current step, with a checkpoint of that step, then exit 143 (128 + 15); the checkpoint resumes.
/// </summary>
[Collection(TorchRandomCollection.Name)]
public class StopSignalTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly TinyCliRun _run;

    public StopSignalTests() => _run = new TinyCliRun(_tmp);

    public void Dispose() => _tmp.Dispose();

    [Theory]
    [InlineData("TERM", 143)]
    [InlineData("INT", 130)]
    public void ASignalSavesACheckpointAndExitsWithItsCode(string signal, int expectedExit)
    {
        var output = _tmp.File("run-" + signal);
        // Many epochs, so the run is still training when the signal comes, however fast the machine.
        using var child = CliChildProcess.Start(_run.TrainArgs(output, resume: false, epochs: 200));
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!child.Output.Contains("training: ") && !child.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.False(child.HasExited, child.Output);
        child.Signal(signal);
        var code = child.WaitForExit(TimeSpan.FromMinutes(2));

        Assert.True(code == expectedExit, $"exit {code}:\n{child.Output}");
        Assert.Contains("checkpoint saved", child.Output);
        Assert.DoesNotContain("Exception", child.Output);
        var saved = CheckpointFolders.List(output);
        Assert.NotEmpty(saved);
        Assert.True(saved[^1].Step < 200 * TinyCliRun.StepsPerEpoch, "the run must stop long before its end");
        Assert.False(File.Exists(Path.Combine(output, OutputDirLock.FileName)), "the lock file is removed at a clean exit");

        // The checkpoint it wrote is this run's: resuming continues it (here for one more step, then stop again).
        using var resumed = CliChildProcess.Start(_run.TrainArgs(output, resume: true, epochs: 200));
        while (!resumed.Output.Contains("resumed from") && !resumed.HasExited && DateTime.UtcNow < deadline.AddMinutes(2)) Thread.Sleep(50);
        Assert.Contains($"resumed from {saved[^1].Path}", resumed.Output);
        resumed.Signal(signal);
        Assert.Equal(expectedExit, resumed.WaitForExit(TimeSpan.FromMinutes(2)));
    }
}
