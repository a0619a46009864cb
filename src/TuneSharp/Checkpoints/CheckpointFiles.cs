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
    /// Writes a file atomically and durably: the content goes to a temporary file in the same folder, is flushed to
    /// disk (fsync), renamed over <paramref name="path"/>, and the folder is fsynced so the new name survives a power
    /// loss too. Readers never see a half-written file, and after a crash the old or the new content is there.
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
            DiskSync.Folder(folder);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Writes UTF-8 <paramref name="text"/> (no byte-order mark) with <see cref="WriteAtomically"/>.</summary>
    public static void WriteTextAtomically(string path, string text) =>
        WriteAtomically(path, stream => stream.Write(new System.Text.UTF8Encoding(false).GetBytes(text)));

    /// <summary>Whether <paramref name="fileName"/> is a temporary file left by an interrupted <see cref="WriteAtomically"/>.</summary>
    public static bool IsAtomicWriteLeftover(string fileName) =>
        fileName.StartsWith('.') && fileName.EndsWith(".tmp", StringComparison.Ordinal) && fileName.Length > 38
        && fileName[^37] == '.' && fileName[^36..^4].All(Uri.IsHexDigit);
}
