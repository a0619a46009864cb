namespace TuneSharp.Bench;

/// <summary>Locates the repository (for bench/results) and ../shared beside it.</summary>
internal static class BenchPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Results => Directory.CreateDirectory(Path.Combine(RepositoryRoot, "bench", "results")).FullName;

    public static string Shared
    {
        get
        {
            var shared = Environment.GetEnvironmentVariable("TUNESHARP_SHARED") ?? Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));
            if (!Directory.Exists(shared)) throw new TuneSharpException($"../shared (real models and datasets) not found at {shared}; set TUNESHARP_SHARED. Benchmark skipped.");
            return shared;
        }
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "TuneSharp.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
