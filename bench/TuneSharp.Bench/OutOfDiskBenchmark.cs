using System.Diagnostics;
using TuneSharp.Checkpoints;
using TuneSharp.Training;

namespace TuneSharp.Bench;

/// <summary>
/// out-of-disk: the <see cref="CrashRecoveryRun"/> training writes into a small tmpfs (--size-mb, default 80: room for
/// one ~50 MB checkpoint, not two), so a checkpoint write fails with ENOSPC part-way. Checked: the run stops with a
/// one-line error (no stack trace) that names the checkpoint folder and says "no space left"; no half-written
/// checkpoint is left or taken as latest; the previous checkpoint loads; after the tmpfs is enlarged the run resumes
/// from it and ends with the same weights as an uninterrupted run. Needs root (mount); skipped otherwise.
/// Results: bench/results/out_of_disk.{json,md}.
/// </summary>
internal static class OutOfDiskBenchmark
{
    public static int Run(string[] args)
    {
        var sizeMb = int.Parse(BenchArgs.Option(args, "--size-mb") ?? "80", System.Globalization.CultureInfo.InvariantCulture);
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            Console.Error.WriteLine("out-of-disk: skipped: mounting a tmpfs needs Linux and root.");
            return 0;
        }
        var work = Directory.CreateTempSubdirectory("tunesharp-oodisk-").FullName;
        var mount = Path.Combine(work, "small-disk");
        Directory.CreateDirectory(mount);
        var (mounted, why) = Shell("mount", "-t", "tmpfs", "-o", $"size={sizeMb}M", "tmpfs", mount);
        if (!mounted)
        {
            Console.Error.WriteLine($"out-of-disk: skipped: cannot mount a tmpfs at {mount}: {why}");
            Directory.Delete(work, recursive: true);
            return 0;
        }
        try
        {
            return Measure(work, mount, sizeMb);
        }
        finally
        {
            Shell("umount", mount);
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static int Measure(string work, string mount, int sizeMb)
    {
        CrashRecoveryRun.Prepare(work);
        var timeout = TimeSpan.FromMinutes(10);
        var output = Path.Combine(mount, "out");

        Console.WriteLine($"training into a {sizeMb} MB tmpfs...");
        string log;
        int code;
        using (var child = CrashRecoveryRun.Start(work, output, resume: false))
        {
            code = child.Wait(timeout);
            log = child.Output;
        }
        var errorLine = log.Split('\n').LastOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal))?.Trim() ?? "";
        var stackTrace = log.Contains("   at ", StringComparison.Ordinal) || log.Contains("Unhandled exception", StringComparison.Ordinal);
        var checkpoints = CheckpointFolders.List(output);
        var failedStep = checkpoints.Count > 0 ? checkpoints[^1].Step + CrashRecoveryRun.SaveSteps : CrashRecoveryRun.SaveSteps;
        var namesFolder = errorLine.Contains(CheckpointFolders.PathFor(output, failedStep), StringComparison.Ordinal);
        var saysNoSpace = errorLine.Contains("no space left", StringComparison.OrdinalIgnoreCase);
        var leftovers = Directory.EnumerateDirectories(output, ".tmp-*").Count() + Directory.EnumerateFiles(output, ".*.tmp").Count();
        var latest = checkpoints.Count > 0 ? CheckpointFolders.ResolveForResume(CheckpointFolders.Latest, output) : null;
        var loadable = false;
        if (latest is not null)
        {
            var weights = ModelWeights.Load(latest);
            loadable = weights.Count > 0 && TrainerState.Load(latest).GlobalStep == checkpoints[^1].Step;
            foreach (var t in weights.Values) t.Dispose();
        }
        Console.WriteLine($"exit {code}; {errorLine}");

        // Make room and resume in place; compare with an uninterrupted run on the ordinary disk.
        Shell("mount", "-o", "remount,size=1024M", mount);
        int resumeCode;
        using (var child = CrashRecoveryRun.Start(work, output, resume: true))
            resumeCode = child.Wait(timeout);
        var reference = Path.Combine(work, "reference");
        using (var child = CrashRecoveryRun.Start(work, reference, resume: false))
            if (child.Wait(timeout) != 0) throw new InvalidOperationException("the uninterrupted run failed:\n" + child.Output);
        var bitwise = resumeCode == 0 && File.ReadAllBytes(Path.Combine(reference, ModelWeights.SingleFileName)).AsSpan()
            .SequenceEqual(File.ReadAllBytes(Path.Combine(output, ModelWeights.SingleFileName)));

        var passed = code == 1 && !stackTrace && namesFolder && saysNoSpace && leftovers == 0 && loadable && bitwise;
        var figures = new Dictionary<string, object>
        {
            ["tmpfs_size_mb"] = sizeMb,
            ["exit_code"] = code,
            ["error_message"] = errorLine,
            ["stack_trace_printed"] = stackTrace,
            ["message_names_the_checkpoint_folder"] = namesFolder,
            ["message_says_no_space_left"] = saysNoSpace,
            ["half_written_leftovers"] = leftovers,
            ["latest_checkpoint"] = latest is null ? "none" : Path.GetFileName(latest),
            ["latest_checkpoint_loadable"] = loadable,
            ["resumed_after_making_room_exit_code"] = resumeCode,
            ["resumed_weights_bitwise_equal_to_uninterrupted"] = bitwise,
            ["passed"] = passed,
        };
        ResultsFile.Write("out_of_disk", "Out of disk during a checkpoint write", figures,
            $"The run of kill-resume-soak (≈50 MB checkpoints with the AdamW state, save_total_limit 2) writes into a {sizeMb} MB tmpfs, so the " +
            "second checkpoint hits ENOSPC part-way. The tmpfs is then remounted at 1 GB and the run resumed with resume_from_checkpoint \"latest\".");
        return passed ? 0 : 1;
    }

    private static (bool Ok, string Output) Shell(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(info)!;
            var text = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode == 0, text.Trim());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (false, e.Message);
        }
    }
}
