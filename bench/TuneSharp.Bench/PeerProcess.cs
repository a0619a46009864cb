using System.Diagnostics;
using System.Text.Json;

namespace TuneSharp.Bench;

/// <summary>
/// Runs a transformers peer script of <c>bench/peers</c> in the reference environment, at its fastest (the OpenBLAS
/// variables its README names unset), and reads the results file it writes.
/// </summary>
internal static class PeerProcess
{
    /// <summary>The peer's results document (bench/results layout), or null when it failed (the reason on stderr).</summary>
    public static JsonElement? Run(string script, IEnumerable<string> arguments)
    {
        var py = Path.Combine(BenchPaths.Shared, "reference", "py");
        var json = Path.Combine(Path.GetTempPath(), $"tunesharp-peer-{Guid.NewGuid():N}.json");
        var start = new ProcessStartInfo(py) { UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(BenchPaths.RepositoryRoot, "bench", "peers", script));
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.ArgumentList.Add("--output");
        start.ArgumentList.Add(json);
        start.Environment.Remove("OPENBLAS_CORETYPE");
        start.Environment.Remove("OPENBLAS_L2_SIZE");
        using var process = Process.Start(start)!;
        process.WaitForExit();
        if (process.ExitCode != 0 || !File.Exists(json)) { Console.Error.WriteLine($"peer {script} failed (exit {process.ExitCode})"); return null; }
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        return document.RootElement.Clone();
    }
}
