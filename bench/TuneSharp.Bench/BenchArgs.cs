namespace TuneSharp.Bench;

/// <summary>"--name value" options of a benchmark's command line.</summary>
internal static class BenchArgs
{
    public static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
