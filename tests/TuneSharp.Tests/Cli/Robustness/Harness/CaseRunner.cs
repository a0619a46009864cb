using System.Diagnostics;
using System.Text;

namespace TuneSharp.Tests.Cli.Robustness;

/// <summary>
/// Runs cases as child processes (<c>dotnet TuneSharp.Cli.dll ARGS</c>), at most <see cref="Parallelism"/> at once, each
/// in its own empty folder with standard input closed, offline (HF_HUB_OFFLINE=1, a private HF_HOME), killed past the
/// time bound or above the memory bound. Keeps going after failures; every result comes back.
/// </summary>
public sealed class CaseRunner(RobustnessFixtures fixtures, TimeSpan bound, long memoryBoundBytes = 3L << 30, int parallelism = 2)
{
    // Output kept per stream: the head (where errors and their first frames are) and a rolling tail.
    private const int HeadChars = 256 * 1024;
    private const int TailChars = 64 * 1024;

    public TimeSpan Bound { get; } = bound;
    public long MemoryBoundBytes { get; } = memoryBoundBytes;
    public int Parallelism { get; } = parallelism;

    /// <summary>The CLI's entry assembly: beside this assembly (the test and benchmark projects reference TuneSharp.Cli).</summary>
    public static string CliDll
    {
        get
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "TuneSharp.Cli.dll");
            var config = Path.ChangeExtension(dll, ".runtimeconfig.json");
            if (!File.Exists(dll) || !File.Exists(config))
                throw new InvalidOperationException($"the built CLI is missing beside {AppContext.BaseDirectory} (TuneSharp.Cli.dll and its runtimeconfig.json); build the project that references TuneSharp.Cli");
            return dll;
        }
    }

    /// <summary>Runs every case; <paramref name="progress"/> gets each result as it ends (from worker threads, one at a time).</summary>
    public IReadOnlyList<CaseResult> RunAll(IReadOnlyList<RobustnessCase> cases, Action<int, CaseResult>? progress = null)
    {
        var dll = CliDll;
        var results = new CaseResult[cases.Count];
        var report = new object();
        Parallel.For(0, cases.Count, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, i =>
        {
            var outcome = RunOne(dll, cases[i], i);
            results[i] = CaseJudge.Judge(cases[i], outcome, Bound, MemoryBoundBytes);
            lock (report) progress?.Invoke(i, results[i]);
        });
        return results;
    }

    private CaseOutcome RunOne(string dll, RobustnessCase c, int index)
    {
        var folder = Path.Combine(fixtures.Cases, index.ToString("00000"));
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(Path.Combine(folder, "existing-folder"));
        File.WriteAllText(Path.Combine(folder, "existing-folder", "note.txt"), "already here\n");
        File.WriteAllText(Path.Combine(folder, "existing-file"), "already here\n");
        try
        {
            return Execute(dll, c.Args.Select(a => a.Replace(RobustnessCase.CaseFolder, folder, StringComparison.Ordinal)), folder);
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private CaseOutcome Execute(string dll, IEnumerable<string> args, string folder)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8, StandardErrorEncoding = Encoding.UTF8, WorkingDirectory = folder,
        };
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["HF_HUB_OFFLINE"] = "1"; // a hub id must never wait on the network
        info.Environment["HF_HOME"] = Path.Combine(fixtures.Root, "hf-home");
        info.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        info.Environment.Remove(TuneSharp.Training.FaultInjection.Variable);

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        process.StandardInput.Close(); // stdin: empty and closed, as under a CI runner
        var stdout = Task.Run(() => Drain(process.StandardOutput));
        var stderr = Task.Run(() => Drain(process.StandardError));
        bool timedOut = false, overMemory = false;
        long peak = 0;
        while (!process.WaitForExit(200))
        {
            peak = Math.Max(peak, ResidentBytes(process.Id));
            if (peak > MemoryBoundBytes) overMemory = true;
            else if (clock.Elapsed > Bound) timedOut = true;
            else continue;
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit();
            break;
        }
        process.WaitForExit();
        var elapsed = clock.Elapsed;
        return new CaseOutcome(process.ExitCode, elapsed, timedOut, overMemory, peak, stdout.Result, stderr.Result);
    }

    /// <summary>Reads a stream to its end, keeping its first <see cref="HeadChars"/> and last <see cref="TailChars"/> characters.</summary>
    private static string Drain(StreamReader reader)
    {
        var head = new StringBuilder();
        var tail = new StringBuilder();
        long dropped = 0;
        var buffer = new char[8192];
        for (int n; (n = reader.Read(buffer, 0, buffer.Length)) > 0;)
        {
            var take = Math.Min(n, HeadChars - head.Length);
            head.Append(buffer, 0, take);
            if (take == n) continue;
            tail.Append(buffer, take, n - take);
            if (tail.Length > 2 * TailChars)
            {
                dropped += tail.Length - TailChars;
                tail.Remove(0, tail.Length - TailChars);
            }
        }
        if (tail.Length > TailChars) { dropped += tail.Length - TailChars; tail.Remove(0, tail.Length - TailChars); }
        return dropped > 0 ? $"{head}\n[… {dropped} characters not kept …]\n{tail}" : head.Append(tail).ToString();
    }

    /// <summary>VmRSS of a process from /proc (0 where it cannot be read, e.g. the process just ended).</summary>
    private static long ResidentBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }
}
