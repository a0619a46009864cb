using System.Diagnostics;
using System.Text;

namespace TuneSharp.Tests.Training;

/// <summary>
/// Runs the TuneSharp CLI as a separate process (the TuneSharp.Cli build copied beside the tests), so a test can
/// SIGKILL it like a crash would: unlike <see cref="Cli.CliRunner"/>, nothing of the run survives in the test process.
/// </summary>
internal sealed class CliChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private CliChildProcess(Process process) => _process = process;

    /// <summary>The CLI's entry assembly beside the test assembly.</summary>
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "TuneSharp.Cli.dll");

    /// <summary>Starts <c>dotnet TuneSharp.Cli.dll ARGS</c> with extra environment variables (a null value removes one).</summary>
    public static CliChildProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, string? wrapper = null, IEnumerable<string>? wrapperArgs = null)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var info = new ProcessStartInfo(wrapper ?? dotnet)
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        if (wrapper is not null)
        {
            foreach (var a in wrapperArgs ?? []) info.ArgumentList.Add(a);
            info.ArgumentList.Add(dotnet);
        }
        info.ArgumentList.Add(CliDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment.Remove(TuneSharp.Training.FaultInjection.Variable);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) info.Environment.Remove(key);
            else info.Environment[key] = value;
        }
        var process = new Process { StartInfo = info };
        var child = new CliChildProcess(process);
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>Everything the process printed so far (stdout and stderr interleaved).</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Sends SIGKILL (what <see cref="Process.Kill()"/> does on Unix) and waits for the process to be gone.</summary>
    public void KillHard()
    {
        try { _process.Kill(); } catch (InvalidOperationException) { } // already exited
        _process.WaitForExit();
    }

    /// <summary>Sends a signal by name ("TERM", "INT") with the shell's kill, as a job scheduler or a terminal would.</summary>
    public void Signal(string name)
    {
        // The shell's built-in kill: /bin/sh is on every machine, a separate kill binary (procps) is not.
        using var kill = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", $"kill -s {name} {_process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)}"]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    /// <summary>Waits for the exit (killing the process after <paramref name="timeout"/>) and returns the exit code.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            KillHard();
            throw new TimeoutException($"the CLI did not finish within {timeout}:\n{Output}");
        }
        _process.WaitForExit(); // flushes the asynchronous output readers
        return _process.ExitCode;
    }

    /// <summary>Runs to completion and returns the exit code.</summary>
    public static (int ExitCode, string Output) Run(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        using var child = Start(args, environment);
        var code = child.WaitForExit(timeout ?? TimeSpan.FromMinutes(2));
        return (code, child.Output);
    }

    /// <summary>Exit code of a process that ended by SIGKILL, as .NET reports it on Unix (128 + 9).</summary>
    public const int KilledExitCode = 137;

    public void Dispose()
    {
        if (!_process.HasExited) KillHard();
        _process.Dispose();
    }
}
