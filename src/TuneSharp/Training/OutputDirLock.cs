namespace TuneSharp.Training;

/// <summary>
/// Keeps two training runs from writing into the same output folder. The lock is an exclusive advisory lock on
/// <c>.tunesharp.lock</c> (on Linux and macOS .NET maps FileShare.None to flock), which the operating system drops
/// when the process ends in any way, SIGKILL included: a crashed run leaves the file behind but never blocks the next.
/// </summary>
public sealed class OutputDirLock : IDisposable
{
    /// <summary>Name of the lock file inside the output folder.</summary>
    public const string FileName = ".tunesharp.lock";

    private readonly FileStream _stream;

    private OutputDirLock(FileStream stream) => _stream = stream;

    /// <summary>Takes the lock on <paramref name="outputDir"/> (created if needed).</summary>
    /// <exception cref="TrainingException">Another live process holds it.</exception>
    public static OutputDirLock Acquire(string outputDir)
    {
        Directory.CreateDirectory(outputDir);
        var path = Path.Combine(outputDir, FileName);
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            var info = System.Text.Encoding.UTF8.GetBytes($"pid {Environment.ProcessId} on {Environment.MachineName} since {DateTime.UtcNow:u}\n");
            stream.Write(info);
            stream.Flush();
            return new OutputDirLock(stream);
        }
        catch (IOException)
        {
            throw new TrainingException(
                $"Another training run is writing to the output folder '{outputDir}' (it holds {path}). " +
                "Wait for it to finish, stop it, or choose another --output.");
        }
    }

    /// <summary>Releases the lock. The file is left in place on purpose: deleting it would let a waiting process lock
    /// the unlinked file while a third creates and locks a new one, and both would believe they own the folder.</summary>
    public void Dispose()
    {
        try { _stream.SetLength(0); } catch (IOException) { }
        _stream.Dispose();
    }
}
