using System.Text.RegularExpressions;
using TuneSharp.Checkpoints;
using TuneSharp.Training;

namespace TuneSharp.Tests.Training;

/// <summary>
/// Checkpoints are durable, not just atomic: every file is fsynced before the checkpoint folder is renamed into place,
/// the output folder is fsynced after the rename, and atomic file writes fsync the file before the rename and the
/// folder after. Checked on the system calls of a real CLI training run (under strace, skipped without it), plus
/// the temporary-leftover clean-up and the failure path of <see cref="CheckpointFolders.Save"/>.
/// </summary>
[Collection(TorchRandomCollection.Name)]
public partial class DurableCheckpointTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [GeneratedRegex(@"^\d+\s+(?:<\.\.\. )?fsync\(\d+<(?<path>[^>]*)>")]
    private static partial Regex FsyncLine();

    [GeneratedRegex(@"^\d+\s+rename(?:at2?)?\((?:AT_FDCWD, )?""(?<from>[^""]*)"", (?:AT_FDCWD, )?""(?<to>[^""]*)""[^=]*= 0")]
    private static partial Regex RenameLine();

    private sealed record Call(int Index, string Kind, string Path, string? To = null);

    [SkippableFact]
    public void ATrainingRunFsyncsCheckpointFilesBeforeTheRenameAndTheFolderAfter()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && File.Exists("/usr/bin/strace"), "needs Linux and /usr/bin/strace");
        var run = new TinyCliRun(_tmp);
        var output = Path.GetFullPath(_tmp.File("out"));
        var trace = _tmp.File("strace.txt");
        // One epoch: checkpoints 4, 8 and 12 (save_total_limit 2 deletes checkpoint-4), then the final model.
        using (var child = CliChildProcess.Start(run.TrainArgs(output, resume: false, epochs: 1), wrapper: "/usr/bin/strace",
                   wrapperArgs: ["-f", "-y", "-qq", "-e", "signal=none", "-e", "trace=fsync,rename,renameat,renameat2", "-o", trace]))
        {
            var code = child.WaitForExit(TimeSpan.FromMinutes(2));
            Skip.If(code != 0 && child.Output.Contains("ptrace", StringComparison.OrdinalIgnoreCase), "strace cannot attach here: " + child.Output);
            Assert.True(code == 0, child.Output);
        }

        var calls = new List<Call>();
        foreach (var (line, i) in File.ReadLines(trace).Select((l, i) => (l, i)))
        {
            if (FsyncLine().Match(line) is { Success: true } f && !line.Contains("resumed")) calls.Add(new Call(i, "fsync", f.Groups["path"].Value));
            else if (RenameLine().Match(line) is { Success: true } r) calls.Add(new Call(i, "rename", r.Groups["from"].Value, r.Groups["to"].Value));
        }

        foreach (var step in new[] { 8, 12 })
        {
            var final = CheckpointFolders.PathFor(output, step);
            var temp = Path.Combine(output, $".tmp-checkpoint-{step}");
            var rename = Assert.Single(calls, c => c.Kind == "rename" && c.Path == temp && c.To == final);
            var synced = calls.Where(c => c.Kind == "fsync" && c.Index < rename.Index).Select(c => c.Path).ToHashSet();
            foreach (var file in Directory.GetFiles(final).Select(Path.GetFileName))
                Assert.True(synced.Contains(Path.Combine(temp, file!)), $"{file} of checkpoint-{step} was not fsynced before the folder rename");
            Assert.Contains(temp, synced);
            Assert.Contains(calls, c => c.Kind == "fsync" && c.Path == output && c.Index > rename.Index);
        }

        // Atomic writes of the final model: fsync(temp file) < rename(temp, model.safetensors) < fsync(folder).
        var modelPath = Path.Combine(output, "model.safetensors");
        var modelRename = calls.Last(c => c.Kind == "rename" && c.To == modelPath);
        Assert.Contains(calls, c => c.Kind == "fsync" && c.Path == modelRename.Path && c.Index < modelRename.Index);
        Assert.Contains(calls, c => c.Kind == "fsync" && c.Path == output && c.Index > modelRename.Index);
        foreach (var file in new[] { "config.json", "vocab.txt", TrainerState.FileName, "all_results.json" })
            Assert.Contains(calls, c => c.Kind == "fsync" && c.Path == Path.Combine(output, file));
    }

    [Fact]
    public void AFailedCheckpointWriteLeavesNoTemporaryFolderAndKeepsEarlierCheckpoints()
    {
        var output = _tmp.File("out");
        Directory.CreateDirectory(output);
        CheckpointFolders.Save(output, 4, dir => File.WriteAllText(Path.Combine(dir, "a.txt"), "four"));
        var error = Assert.Throws<IOException>(() => CheckpointFolders.Save(output, 8, dir =>
        {
            File.WriteAllText(Path.Combine(dir, "a.txt"), "eight");
            throw new IOException("simulated: no space left on device");
        }));
        Assert.Contains("simulated", error.Message);
        Assert.Equal([4], CheckpointFolders.List(output).Select(c => c.Step));
        Assert.Equal("four", File.ReadAllText(Path.Combine(CheckpointFolders.PathFor(output, 4), "a.txt")));
        Assert.Empty(Directory.GetDirectories(output, ".tmp-*"));
    }

    [Fact]
    public void LeftoversOfAnInterruptedRunAreDeletedAndNothingElse()
    {
        var output = _tmp.File("out");
        Directory.CreateDirectory(Path.Combine(output, ".tmp-checkpoint-12"));
        File.WriteAllText(Path.Combine(output, ".tmp-checkpoint-12", "model.safetensors"), "half");
        Directory.CreateDirectory(CheckpointFolders.PathFor(output, 8));
        var atomicLeftover = Path.Combine(output, $".model.safetensors.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(atomicLeftover, "half");
        var keep = new[] { Path.Combine(output, ".notes.tmp"), Path.Combine(output, "model.safetensors"), Path.Combine(output, ".tunesharp.lock") };
        foreach (var f in keep) File.WriteAllText(f, "x");

        var deleted = CheckpointFolders.DeleteIncomplete(output);

        Assert.Equal(new[] { Path.Combine(output, ".tmp-checkpoint-12"), atomicLeftover }.Order(), deleted.Order());
        Assert.True(Directory.Exists(CheckpointFolders.PathFor(output, 8)));
        Assert.All(keep, f => Assert.True(File.Exists(f), $"{f} should be kept"));
    }

    [Fact]
    public void AtomicWritesLeaveOnlyTheFinalFile()
    {
        var path = _tmp.File("weights.safetensors");
        using (var t = TorchSharp.torch.ones(3))
            SafeTensors.Save(path, new Dictionary<string, TorchSharp.torch.Tensor> { ["w"] = t });
        new TrainerState { GlobalStep = 5 }.Save(_tmp.Path);
        Assert.Equal(new[] { path, _tmp.File(TrainerState.FileName) }.Order(), Directory.GetFiles(_tmp.Path).Order());
        Assert.Equal(5, TrainerState.Load(_tmp.Path).GlobalStep);
    }
}
