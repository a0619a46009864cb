using System.Diagnostics;
using TuneSharp.Training;

namespace TuneSharp.Tests.Training;

public class OutputDirLockTests
{
    [Fact]
    public void SecondRunOnTheSameFolderIsRefused()
    {
        using var tmp = new TempDir();
        using var first = OutputDirLock.Acquire(tmp.Path);
        var error = Assert.Throws<TrainingException>(() => OutputDirLock.Acquire(tmp.Path));
        Assert.Contains("Another training run is writing to the output folder", error.Message);
        Assert.Contains(tmp.Path, error.Message);
    }

    [Fact]
    public void LockIsFreeAgainAfterDispose()
    {
        using var tmp = new TempDir();
        OutputDirLock.Acquire(tmp.Path).Dispose();
        using var again = OutputDirLock.Acquire(tmp.Path);
        Assert.True(File.Exists(Path.Combine(tmp.Path, OutputDirLock.FileName)));
    }

    [SkippableFact]
    public void ALockHeldByAKilledProcessDoesNotBlock()
    {
        Skip.IfNot(File.Exists("/usr/bin/flock"), "flock(1) is not installed; test skipped.");
        using var tmp = new TempDir();
        var path = Path.Combine(tmp.Path, OutputDirLock.FileName);
        // Another process takes the same advisory lock TuneSharp uses, the way a running trainer would hold it
        // (-o: only flock itself holds the descriptor, not the sleep it runs, so killing flock is killing the holder).
        using var holder = Process.Start(new ProcessStartInfo("/usr/bin/flock", ["-x", "-o", path, "sleep", "30"]) { UseShellExecute = false })!;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        TrainingException? refused = null;
        while (DateTime.UtcNow < deadline)
        {
            try { OutputDirLock.Acquire(tmp.Path).Dispose(); Thread.Sleep(50); }
            catch (TrainingException e) { refused = e; break; }
        }
        Assert.NotNull(refused); // held by a live process: refused

        holder.Kill(); // SIGKILL: the process cannot clean up; the file stays, the kernel drops the lock
        holder.WaitForExit();
        Assert.True(File.Exists(path));
        // flock's forked child shares the locked descriptor until it closes it just before exec; allow for that moment.
        OutputDirLock? taken = null;
        var until = DateTime.UtcNow.AddSeconds(10);
        while (taken is null)
        {
            try { taken = OutputDirLock.Acquire(tmp.Path); }
            catch (TrainingException) when (DateTime.UtcNow < until) { Thread.Sleep(50); }
        }
        taken.Dispose();
    }
}
