namespace TuneSharp.Training;

/// <summary>
/// Keeps two training runs from writing into the same output folder. The lock is an exclusive advisory lock on
/// <c>.tunesharp.lock</c> (on Linux and macOS .NET maps FileShare.None to flock), which the operating system drops
/// when the process ends in any way, SIGKILL included: a crashed run leaves the file behind but never blocks the next.
/// A run that ends normally (or fails with an error) deletes the file, so a finished folder holds only its outputs.
/// </summary>
public sealed class OutputDirLock : IDisposable
{
    /// <summary>Name of the lock file inside the output folder.</summary>
    public const string FileName = ".tunesharp.lock";

    // A process that opened the file just before its holder deleted it may lock the deleted file; it notices and
    // opens the path again. A handful of rounds is plenty: each needs another run to start and finish in between.
    private const int MaxStaleRetries = 8;

    private readonly FileStream _stream;
    private readonly string _path;
    private readonly bool _canDelete;
    private bool _disposed;

    private OutputDirLock(FileStream stream, string path, bool canDelete) => (_stream, _path, _canDelete) = (stream, path, canDelete);

    /// <summary>Takes the lock on <paramref name="outputDir"/>, which must exist.</summary>
    /// <exception cref="TrainingException">Another live process holds it, or the folder cannot be written.</exception>
    public static OutputDirLock Acquire(string outputDir)
    {
        var path = Path.Combine(outputDir, FileName);
        for (var attempt = 0; ; attempt++)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (UnauthorizedAccessException)
            {
                throw new TrainingException($"Cannot write into the output folder '{outputDir}': permission denied. Choose a folder you can write to as output_dir.");
            }
            catch (DirectoryNotFoundException)
            {
                throw new TrainingException($"The output folder '{outputDir}' does not exist.");
            }
            catch (IOException e) when (IsLockConflict(e))
            {
                throw new TrainingException(
                    $"Another training run is writing to the output folder '{outputDir}' (it holds {path}). " +
                    "Wait for it to finish, stop it, or choose another output_dir.");
            }
            catch (IOException e)
            {
                throw new TrainingException($"Cannot write into the output folder '{outputDir}': {e.Message}");
            }
            var state = LinkState(stream);
            if (state == LockFileState.Deleted && attempt < MaxStaleRetries)
            {
                stream.Dispose(); // we locked the file the previous holder just deleted: take the one at the path now
                continue;
            }
            try
            {
                stream.SetLength(0);
                stream.Write(System.Text.Encoding.UTF8.GetBytes($"pid {Environment.ProcessId} on {Environment.MachineName} since {DateTime.UtcNow:u}\n"));
                stream.Flush();
            }
            catch (IOException e)
            {
                stream.Dispose();
                throw new TrainingException($"Cannot write into the output folder '{outputDir}': {e.Message}");
            }
            // Deleting at the end is only safe where a later run can tell it locked a deleted file (above).
            return new OutputDirLock(stream, path, state == LockFileState.AtPath);
        }
    }

    /// <summary>
    /// Releases the lock and deletes the lock file while still holding it. A process that opened the file in the
    /// meantime ends up locking a deleted file, sees that (<see cref="LinkState"/>) and opens the path again, so two
    /// runs never both believe they own the folder. Where that check is not possible (no /proc) the file stays.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            if (_canDelete) File.Delete(_path);
            else _stream.SetLength(0);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        _stream.Dispose();
    }

    private enum LockFileState { AtPath, Deleted, Unknown }

    // Linux names an open file's path in /proc/self/fd, with " (deleted)" once it has been unlinked.
    private static LockFileState LinkState(FileStream stream)
    {
        if (!OperatingSystem.IsLinux()) return LockFileState.Unknown;
        try
        {
            var fd = stream.SafeFileHandle.DangerousGetHandle().ToInt64();
            var target = new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
            if (target is null) return LockFileState.Unknown;
            return target.EndsWith(" (deleted)", StringComparison.Ordinal) ? LockFileState.Deleted : LockFileState.AtPath;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return LockFileState.Unknown;
        }
    }

    // .NET reports a held flock as an IOException with EWOULDBLOCK (11 on Linux) in HResult, or a sharing violation on Windows.
    private static bool IsLockConflict(IOException e) =>
        e.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021)
        || e.Message.Contains("being used by another process", StringComparison.OrdinalIgnoreCase);
}
