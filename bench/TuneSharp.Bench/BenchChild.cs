using System.Diagnostics;
using System.Text.Json;

namespace TuneSharp.Bench;

/// <summary>
/// Runs one configuration of a benchmark in a fresh process (this program again, with other arguments), so that its
/// peak resident memory is its own. The child prints its figures as one JSON line after <see cref="Marker"/>;
/// everything else it prints is passed through, indented.
/// </summary>
internal static class BenchChild
{
    public const string Marker = "BENCH-CHILD-RESULT ";

    /// <summary>Starts this benchmark program with <paramref name="arguments"/> and returns the figures the child reported.</summary>
    public static Dictionary<string, object> Run(IEnumerable<string> arguments)
    {
        using var child = Process.Start(StartSelf(arguments))!;
        Dictionary<string, object>? figures = null;
        while (child.StandardOutput.ReadLine() is { } line)
        {
            if (line.StartsWith(Marker, StringComparison.Ordinal))
                figures = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(line[Marker.Length..])!
                    .ToDictionary(kv => kv.Key, kv => kv.Value.ValueKind == JsonValueKind.Number ? (object)kv.Value.GetDouble() : kv.Value.ToString());
            else
                Console.WriteLine("  " + line);
        }
        child.WaitForExit();
        if (child.ExitCode != 0 || figures is null)
            throw new TuneSharpException($"benchmark child '{string.Join(' ', arguments)}' failed (exit code {child.ExitCode}).");
        return figures;
    }

    /// <summary>
    /// How to start this benchmark program again with <paramref name="arguments"/> (through <c>dotnet</c> when it runs
    /// as a dll), standard output redirected.
    /// </summary>
    public static ProcessStartInfo StartSelf(IEnumerable<string> arguments)
    {
        var self = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo { FileName = self, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(BenchChild).Assembly.Location);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        return start;
    }

    /// <summary>In the child: reports the figures to the parent.</summary>
    public static void Report(IReadOnlyDictionary<string, object> figures) => Console.WriteLine(Marker + JsonSerializer.Serialize(figures));

    /// <summary>The process's peak resident memory so far (VmHWM), MiB.</summary>
    public static double PeakRssMiB() => Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);

    /// <summary>The process's current resident memory, MiB.</summary>
    public static double RssMiB()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64 / (1024.0 * 1024.0);
    }
}
