namespace TuneSharp.Tests;

/// <summary>
/// Locates the read-only <c>../shared</c> folder beside the repository (real checkpoints and datasets).
/// Tests that need it call <see cref="RequireModel"/> / <see cref="RequireData"/>, which skip the test
/// with a clear message when it is absent. <c>TUNESHARP_SHARED</c> overrides the location.
/// </summary>
public static class SharedData
{
    public static string? Root { get; } = Locate();

    /// <summary>The repository folder the test project was built from (recorded at build time), or null.</summary>
    public static string? RepositoryRoot =>
        typeof(SharedData).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;

    private static string? Locate()
    {
        var env = Environment.GetEnvironmentVariable("TUNESHARP_SHARED");
        if (!string.IsNullOrEmpty(env)) return Directory.Exists(env) ? Path.GetFullPath(env) : null;
        var starts = new[] { RepositoryRoot, AppContext.BaseDirectory }.Where(s => !string.IsNullOrEmpty(s));
        foreach (var start in starts)
        for (var dir = new DirectoryInfo(start!); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TuneSharp.sln")))
            {
                var shared = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
                return Directory.Exists(shared) ? shared : null;
            }
        }
        return null;
    }

    /// <summary>Path of <c>shared/models/&lt;name&gt;</c>; skips the test when it is missing.</summary>
    public static string RequireModel(string name) => Require(Path.Combine("models", name));

    /// <summary>Path of <c>shared/data/&lt;relative&gt;</c>; skips the test when it is missing.</summary>
    public static string RequireData(string relative) => Require(Path.Combine("data", relative));

    private static string Require(string relative)
    {
        Skip.If(Root is null, "../shared is not present beside the repository (set TUNESHARP_SHARED to its path); test skipped.");
        var path = Path.Combine(Root!, relative);
        Skip.IfNot(File.Exists(path) || Directory.Exists(path), $"{path} is missing from ../shared; test skipped.");
        return path;
    }
}
