using System.Runtime.InteropServices;

namespace TuneSharp.Checkpoints;

/// <summary>
/// Forces written files and folder entries to stable storage (fsync), so that a checkpoint that is visible under its
/// final name after a crash or power loss also has its bytes on disk.
/// </summary>
/// <remarks>
/// Why a folder needs its own fsync: on Linux a rename (or a new file) changes the parent folder, and that change is
/// only durable once the folder itself is fsynced; fsyncing the file makes its content durable, not its name. .NET
/// has no API for fsyncing a folder (FileStream cannot open one), hence the small P/Invoke to libc open/fsync/close.
/// Elsewhere folder syncs are skipped: Windows cannot open a folder for flushing, and NTFS/APFS journal the rename.
/// </remarks>
internal static class DiskSync
{
    /// <summary>Flushes the content of the file at <paramref name="path"/> to disk.</summary>
    public static void File(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            SyncLinux(path);
            return;
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Makes the entries of <paramref name="folder"/> (new, renamed or deleted names) durable; a no-op off Linux.</summary>
    public static void Folder(string folder)
    {
        if (OperatingSystem.IsLinux()) SyncLinux(folder);
    }

    /// <summary>Flushes the files directly in <paramref name="folder"/> (not below), then the folder itself.</summary>
    public static void FilesIn(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder)) File(file);
        Folder(folder);
    }

    /// <summary>Flushes every file below <paramref name="folder"/>, then every folder (deepest first), then the folder itself.</summary>
    public static void Tree(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)) File(file);
        foreach (var sub in Directory.EnumerateDirectories(folder, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length)) Folder(sub);
        Folder(folder);
    }

    private const int ReadOnly = 0, CloseOnExec = 0x80000; // O_RDONLY, O_CLOEXEC (same values on x64 and arm64 Linux)
    private const int InvalidArgument = 22; // EINVAL: the file system cannot sync this kind of file (some FUSE/pseudo fs)

    private static void SyncLinux(string path)
    {
        var fd = Libc.open(path, ReadOnly | CloseOnExec);
        if (fd < 0) throw Error("open", path, Marshal.GetLastPInvokeError());
        try
        {
            if (Libc.fsync(fd) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != InvalidArgument)
                throw Error("fsync", path, errno);
        }
        finally
        {
            Libc.close(fd);
        }
    }

    private static IOException Error(string call, string path, int errno) =>
        new($"{call} of '{path}' failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);

    private static class Libc
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern int fsync(int fd);

        [DllImport("libc")]
        public static extern int close(int fd);
    }
}
