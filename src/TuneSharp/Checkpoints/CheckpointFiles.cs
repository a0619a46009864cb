using Microsoft.Win32.SafeHandles;

namespace TuneSharp.Checkpoints;

/// <summary>File helpers shared by the safetensors reader, writer and the model-folder code.</summary>
internal static class CheckpointFiles
{
    /// <summary>Opens a file for positional reads, turning "not found"/"access denied" into a clear error.</summary>
    public static SafeFileHandle OpenRead(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CheckpointFormatException($"Checkpoint file '{path}' does not exist.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointFormatException($"Cannot open checkpoint file '{path}': {e.Message}", e);
        }
    }

    /// <summary>
    /// Fills <paramref name="buffer"/> from <paramref name="offset"/>; a short read means the file shrank or
    /// is truncated, which is reported as a format error rather than an EndOfStreamException.
    /// </summary>
    public static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset, string path)
    {
        while (!buffer.IsEmpty)
        {
            int read;
            try { read = RandomAccess.Read(handle, buffer, offset); }
            catch (IOException e) { throw CheckpointFormatException.InFile(path, $"read failed at byte {offset}: {e.Message}", e); }
            if (read == 0)
                throw CheckpointFormatException.InFile(path, $"unexpected end of file at byte {offset} (the file is truncated or changed while reading).");
            buffer = buffer[read..];
            offset += read;
        }
    }

    /// <summary>
    /// Writes a file atomically: the content goes to a temporary file in the same folder, is flushed to disk,
    /// then renamed over <paramref name="path"/>, so readers never see a half-written checkpoint.
    /// </summary>
    public static void WriteAtomically(string path, Action<FileStream> write)
    {
        var fullPath = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
