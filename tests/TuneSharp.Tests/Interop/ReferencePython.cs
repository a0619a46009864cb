using System.Diagnostics;
using System.Text.Json;

namespace TuneSharp.Tests.Interop;

/// <summary>What a reference Python run printed, and how it ended.</summary>
internal sealed record ReferenceRun(string Script, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The last non-empty stdout line parsed as JSON (the scripts print one JSON object last); fails the test when the run failed.</summary>
    public JsonElement Json()
    {
        Assert.True(ExitCode == 0, $"{Script} exited with {ExitCode}.\nstderr:\n{Stderr}\nstdout:\n{Stdout}");
        var last = Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        Assert.False(last is null, $"{Script} printed nothing on stdout.\nstderr:\n{Stderr}");
        try { return JsonDocument.Parse(last!).RootElement.Clone(); }
        catch (JsonException e) { throw new Xunit.Sdk.XunitException($"{Script}'s last stdout line is not JSON ({e.Message}): {last}\nstderr:\n{Stderr}"); }
    }
}

/// <summary>
/// Runs Python scripts in the reference environment <c>../shared/reference</c> (Hugging Face transformers 4.40 and PEFT
/// 0.10 on PyTorch 1.13, offline, slow tokenizers only) through its <c>py</c> launcher. A test that calls
/// <see cref="Require"/> is skipped only when that folder is absent; a folder whose Python cannot import torch,
/// transformers and PEFT fails the test, naming the install script, so a broken environment never passes as a skip.
/// </summary>
internal static class ReferencePython
{
    /// <summary>How long one script may run before it is killed and the test fails.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(3);

    /// <summary>How long the one-off import check may take (a cold first import of torch takes tens of seconds).</summary>
    private static readonly TimeSpan ImportCheckTimeout = TimeSpan.FromMinutes(3);

    private static readonly Lazy<string?> ImportProblem = new(CheckImports, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The reference folder (<c>../shared/reference</c>), or null where ../shared or it is absent.</summary>
    public static string? Folder => SharedData.Root is { } root && Directory.Exists(Path.Combine(root, "reference"))
        ? Path.Combine(root, "reference")
        : null;

    /// <summary>
    /// The path of the <c>py</c> launcher. Skips the test when ../shared/reference is absent; fails it when the folder is
    /// there but its Python cannot import torch, transformers and peft (the environment was never installed on this machine).
    /// </summary>
    public static string Require()
    {
        Skip.If(SharedData.Root is null, "../shared is not present beside the repository (set TUNESHARP_SHARED to its path); interop test skipped.");
        var folder = Path.Combine(SharedData.Root!, "reference");
        Skip.IfNot(Directory.Exists(folder), $"{folder} is missing (the Python reference environment: transformers 4.40, PEFT 0.10); interop test skipped.");
        var launcher = Path.Combine(folder, "py");
        Assert.True(File.Exists(launcher), $"{folder} exists but has no 'py' launcher; the reference environment is incomplete.");
        if (ImportProblem.Value is { } problem) Assert.Fail(problem);
        return launcher;
    }

    /// <summary>Path of a committed script, copied beside the test assembly (Interop/Scripts/*.py).</summary>
    public static string Script(string fileName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Interop", "Scripts", fileName);
        Assert.True(File.Exists(path), $"{path} is missing: the test project copies Interop/Scripts/*.py to its output folder.");
        return path;
    }

    /// <summary>Runs <paramref name="scriptPath"/> with <paramref name="arguments"/> in the reference environment (after <see cref="Require"/>).</summary>
    public static ReferenceRun Run(string scriptPath, IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        Launch(Require(), [scriptPath, .. arguments], timeout ?? DefaultTimeout, Path.GetFileName(scriptPath));

    /// <summary>Runs Python source held in a string (written to a temporary .py file) with <paramref name="arguments"/>.</summary>
    public static ReferenceRun RunSource(string source, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var launcher = Require();
        var file = Path.Combine(Path.GetTempPath(), $"tunesharp-interop-{Guid.NewGuid():N}.py");
        File.WriteAllText(file, source);
        try { return Launch(launcher, [file, .. arguments], timeout ?? DefaultTimeout, "inline script"); }
        finally { File.Delete(file); }
    }

    private static string? CheckImports()
    {
        var launcher = Path.Combine(Folder!, "py");
        var install = Path.Combine(Folder!, "install");
        ReferenceRun run;
        try
        {
            run = Launch(launcher, ["-c", "import torch, transformers, peft; print(torch.__version__, transformers.__version__, peft.__version__)"],
                ImportCheckTimeout, "import check");
        }
        catch (Exception e) when (e is Xunit.Sdk.XunitException or System.ComponentModel.Win32Exception)
        {
            return $"The reference environment in {Folder} does not run: {e.Message} Run {install} as root to install it.";
        }
        return run.ExitCode == 0
            ? null
            : $"The reference environment in {Folder} is present but its Python cannot import torch, transformers and peft " +
              $"(exit {run.ExitCode}). Run {install} as root to install its Debian packages.\n{run.Stderr.Trim()}";
    }

    private static ReferenceRun Launch(string launcher, IReadOnlyList<string> arguments, TimeSpan timeout, string name)
    {
        var start = new ProcessStartInfo(launcher)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new Xunit.Sdk.XunitException($"Could not start {launcher}.");
        process.StandardInput.Close();
        // Both streams are drained concurrently: a full pipe would otherwise block the script forever.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new Xunit.Sdk.XunitException($"{name} did not finish within {timeout.TotalSeconds:0} s and was killed.\nstderr so far:\n{stderr.Result}");
        }
        process.WaitForExit(); // flushes the asynchronous readers
        return new ReferenceRun(name, process.ExitCode, stdout.Result, stderr.Result);
    }
}
