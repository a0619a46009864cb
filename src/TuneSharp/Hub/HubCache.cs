using System.Text.RegularExpressions;

namespace TuneSharp.Hub;

/// <summary>
/// The on-disk model cache, laid out exactly like Python's huggingface_hub so both share downloads:
/// <c>{root}/models--{org}--{name}/blobs/{etag}</c> holds each file's bytes once,
/// <c>snapshots/{commit}/{path}</c> are links to those blobs (copies where links are not allowed), and
/// <c>refs/{revision}</c> holds the commit sha a branch or tag pointed to at download time.
/// </summary>
public sealed partial class HubCache
{
    /// <summary>The cache root (HF_HUB_CACHE).</summary>
    public string Root { get; }

    public HubCache(string root) => Root = Path.GetFullPath(root);

    /// <summary>Folder of one model repo: <c>models--org--name</c>.</summary>
    public string RepoFolder(string repoId) => Path.Combine(Root, "models--" + ValidateRepoId(repoId).Replace("/", "--"));

    /// <summary>Where the content with this ETag lives.</summary>
    public string BlobPath(string repoId, string etag) => Path.Combine(RepoFolder(repoId), "blobs", etag);

    /// <summary>The folder of files as they were at <paramref name="commit"/>.</summary>
    public string SnapshotFolder(string repoId, string commit) => Path.Combine(RepoFolder(repoId), "snapshots", commit);

    /// <summary>A file of the snapshot at <paramref name="commit"/>; <paramref name="repoFile"/> uses '/' separators.</summary>
    public string SnapshotFile(string repoId, string commit, string repoFile) =>
        Path.Combine(SnapshotFolder(repoId, commit), ValidateRepoFile(repoFile).Replace('/', Path.DirectorySeparatorChar));

    /// <summary>
    /// The commit a revision resolves to without the network: a full commit sha names itself, a branch or
    /// tag is read from <c>refs/{revision}</c>. Null when neither is in the cache.
    /// </summary>
    public string? TryResolveCommit(string repoId, string revision)
    {
        if (IsCommitSha(revision) && Directory.Exists(SnapshotFolder(repoId, revision))) return revision;
        string refPath = RefPath(repoId, revision);
        if (!File.Exists(refPath)) return null;
        string commit = File.ReadAllText(refPath).Trim();
        return IsCommitSha(commit) ? commit : null;
    }

    /// <summary>Records that <paramref name="revision"/> pointed to <paramref name="commit"/> (nothing to record for a sha).</summary>
    public void WriteRef(string repoId, string revision, string commit)
    {
        if (revision == commit) return;
        string refPath = RefPath(repoId, revision);
        Directory.CreateDirectory(Path.GetDirectoryName(refPath)!);
        if (File.Exists(refPath) && File.ReadAllText(refPath).Trim() == commit) return;
        // Write then rename, so a reader never sees a half-written sha.
        string temp = refPath + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temp, commit);
        File.Move(temp, refPath, overwrite: true);
    }

    /// <summary>
    /// True when <paramref name="path"/> is a readable file: a plain file, or a link whose blob exists.
    /// A dangling link (blob deleted by a cache cleaner) counts as missing so it gets downloaded again.
    /// </summary>
    public static bool IsUsableFile(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is null) return info.Exists;
        return info.ResolveLinkTarget(returnFinalTarget: true) is { Exists: true };
    }

    /// <summary>
    /// Makes <paramref name="snapshotFile"/> point at <paramref name="blobPath"/>: a relative symlink
    /// (like Python's, so the cache folder can be moved) or, where the OS refuses links, a copy.
    /// </summary>
    public static void LinkIntoSnapshot(string blobPath, string snapshotFile)
    {
        string folder = Path.GetDirectoryName(snapshotFile)!;
        Directory.CreateDirectory(folder);
        string temp = snapshotFile + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            File.CreateSymbolicLink(temp, Path.GetRelativePath(folder, blobPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            File.Copy(blobPath, temp, overwrite: true);
        }
        // Rename over any stale entry (e.g. a dangling link) so the snapshot file appears atomically.
        File.Move(temp, snapshotFile, overwrite: true);
    }

    /// <summary>True for a full 40-hex git commit sha.</summary>
    public static bool IsCommitSha(string revision) => CommitShaPattern().IsMatch(revision);

    /// <summary>
    /// Checks a repo id is "name" or "org/name" made of letters, digits, '-', '_' and '.', so it cannot
    /// escape the cache folder. Returns it unchanged.
    /// </summary>
    public static string ValidateRepoId(string repoId)
    {
        if (!IsValidRepoId(repoId))
            throw new HubException($"'{repoId}' is not a valid Hugging Face repo id (expected 'org/name' of letters, digits, '-', '_', '.').");
        return repoId;
    }

    /// <summary>True when <paramref name="repoId"/> has the shape of a hub repo id ("name" or "org/name").</summary>
    public static bool IsValidRepoId(string repoId) =>
        RepoIdPattern().IsMatch(repoId) && !repoId.Contains("--") && !repoId.Contains("..")
        && !repoId.StartsWith('.') && !repoId.EndsWith('.');

    /// <summary>
    /// Checks a file path inside a repo (from the server's file list) is relative and stays inside the
    /// snapshot folder. Returns it unchanged.
    /// </summary>
    public static string ValidateRepoFile(string repoFile)
    {
        bool bad = repoFile.Length == 0 || repoFile.Contains('\\') || repoFile.Contains('\0') || repoFile.StartsWith('/')
            || Path.IsPathRooted(repoFile) || repoFile.Split('/').Any(part => part is "" or "." or "..");
        if (bad) throw new HubException($"Refusing repo file path '{repoFile}': expected a relative path without '..' segments.");
        return repoFile;
    }

    private string RefPath(string repoId, string revision)
    {
        // Branch names may contain '/', which become sub-folders under refs/ (as in Python).
        ValidateRepoFile(revision);
        return Path.Combine(RepoFolder(repoId), "refs", revision.Replace('/', Path.DirectorySeparatorChar));
    }

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitShaPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]{1,96}(/[A-Za-z0-9_.\-]{1,96})?$")]
    private static partial Regex RepoIdPattern();
}
