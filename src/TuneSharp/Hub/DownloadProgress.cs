namespace TuneSharp.Hub;

/// <summary>
/// Progress of one file of a hub download. Reported when a file starts, about every MiB while it
/// downloads, and once when it is done (also for files already in the cache, with <see cref="FromCache"/>).
/// </summary>
/// <param name="RepoId">The repo being downloaded.</param>
/// <param name="FileName">Path of the file inside the repo.</param>
/// <param name="FileIndex">0-based position of the file in this download.</param>
/// <param name="FileCount">How many files this download covers.</param>
/// <param name="BytesDone">Bytes of this file on disk so far (includes a resumed partial download).</param>
/// <param name="BytesTotal">Size of the file when the server said it, else null.</param>
/// <param name="Completed">The file is complete in the cache.</param>
/// <param name="FromCache">The file was already cached; nothing was downloaded.</param>
public sealed record DownloadProgress(
    string RepoId, string FileName, int FileIndex, int FileCount,
    long BytesDone, long? BytesTotal, bool Completed, bool FromCache);
