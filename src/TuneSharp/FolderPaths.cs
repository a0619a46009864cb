namespace TuneSharp;

/// <summary>Folder paths compared as the file system sees them: "runs/x", "./runs/x/" and its absolute path are one folder.</summary>
internal static class FolderPaths
{
    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> name the same folder (full paths, no trailing separator; links are not followed).</summary>
    public static bool Same(string a, string b) => Normal(a) == Normal(b);

    private static string Normal(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
}
