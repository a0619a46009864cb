namespace TuneSharp.Cli;

/// <summary>
/// A file the command writes its results to (<c>--output</c> of evaluate and predict): checked before any model is
/// loaded, so a folder, a missing parent folder or a read-only place fails in a second rather than after the work.
/// </summary>
internal static class OutputFile
{
    /// <summary>Checks that <paramref name="path"/> can be written as a file.</summary>
    /// <exception cref="TuneSharpException">It is a folder, its parent folder is missing, or it cannot be created.</exception>
    public static void Check(string path, string flag)
    {
        var setting = flag.TrimStart('-').Replace('-', '_');
        if (string.IsNullOrWhiteSpace(path)) throw new TuneSharpException($"{flag} is empty; give a file path.") { Setting = setting };
        if (Directory.Exists(path) || path.EndsWith('/') || path.EndsWith(Path.DirectorySeparatorChar))
            throw new TuneSharpException($"{flag} '{path}' is a folder; give a file path, e.g. {Path.Combine(path, "results.json")}.") { Setting = setting };
        var parent = Path.GetDirectoryName(Path.GetFullPath(path));
        if (parent is not null && !Directory.Exists(parent))
            throw new TuneSharpException($"{flag} '{path}': the folder '{parent}' does not exist.") { Setting = setting };
        try
        {
            // Opening for append creates nothing new that was not asked for and truncates nothing yet.
            var existed = File.Exists(path);
            using (new FileStream(path, FileMode.Append, FileAccess.Write)) { }
            if (!existed) File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TuneSharpException($"{flag} '{path}' cannot be written: {(e is UnauthorizedAccessException ? "permission denied" : e.Message)}.") { Setting = setting };
        }
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/>; a failure is a clear error naming the file.</summary>
    public static void Write(string path, string text)
    {
        try
        {
            File.WriteAllText(path, text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TuneSharpException($"Cannot write '{path}': {e.Message}");
        }
    }

    /// <summary>Opens <paramref name="path"/> for writing text; a failure is a clear error naming the file.</summary>
    public static StreamWriter Open(string path)
    {
        try
        {
            return new StreamWriter(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TuneSharpException($"Cannot write '{path}': {e.Message}");
        }
    }
}
