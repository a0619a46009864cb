using System.Text.Json;

namespace TuneSharp.Hub;

/// <summary>
/// Downloads model repos from the Hugging Face Hub (or a mirror at HF_ENDPOINT) into the cache shared with
/// Python's huggingface_hub. Files already cached are not requested again; interrupted downloads resume;
/// LFS files are checked against their sha256. In offline mode everything is answered from the cache.
/// </summary>
public sealed class HubClient : IDisposable
{
    /// <summary>The files needed to load a model and its tokenizer (used when no patterns are given).</summary>
    public static IReadOnlyList<string> DefaultModelPatterns { get; } =
    [
        "config.json", "*.safetensors", "model.safetensors.index.json", "tokenizer.json", "tokenizer_config.json",
        "special_tokens_map.json", "vocab.txt", "vocab.json", "merges.txt", "tokenizer.model",
        "generation_config.json", "added_tokens.json",
    ];

    private readonly Lazy<HubHttp> _http;

    public HubClient(HubOptions? options = null)
    {
        Options = options ?? new HubOptions();
        Cache = new HubCache(Options.CacheDir);
        // Created on first use, so offline mode works whatever HF_ENDPOINT holds.
        _http = new Lazy<HubHttp>(() => new HubHttp(Options));
    }

    /// <summary>The options this client was made with.</summary>
    public HubOptions Options { get; }

    /// <summary>The cache the client downloads into.</summary>
    public HubCache Cache { get; }

    /// <summary>
    /// Downloads the files of <paramref name="repoId"/> at <see cref="HubOptions.Revision"/> whose paths match
    /// <paramref name="allowPatterns"/> (default <see cref="DefaultModelPatterns"/>; pass ["*"] for everything)
    /// and returns the local snapshot folder <c>{cache}/models--org--name/snapshots/{commit}</c>.
    /// </summary>
    public async Task<string> SnapshotDownloadAsync(string repoId, IEnumerable<string>? allowPatterns = null,
        IProgress<DownloadProgress>? progress = null, CancellationToken ct = default)
    {
        HubCache.ValidateRepoId(repoId);
        var patterns = (allowPatterns ?? DefaultModelPatterns).ToList();
        string revision = Options.Revision;
        if (Options.Offline) return CachedSnapshotFolder(repoId, revision);

        var (commit, files) = await ListFilesAsync(repoId, revision, ct);
        var wanted = files.Where(file => FilePatterns.MatchesAny(file, patterns)).Distinct().Order(StringComparer.Ordinal).ToList();
        if (wanted.Count == 0)
            throw new HubException($"None of the {files.Count} files of '{repoId}' (revision '{revision}') match the patterns [{string.Join(", ", patterns)}].");

        for (int i = 0; i < wanted.Count; i++)
        {
            string snapshotFile = Cache.SnapshotFile(repoId, commit, wanted[i]);
            if (HubCache.IsUsableFile(snapshotFile))
            {
                ReportCached(progress, repoId, wanted[i], i, wanted.Count, snapshotFile);
                continue;
            }
            // Ask for the listed commit, not the branch, so every file comes from the same revision.
            var remote = await GetMetadataAsync(repoId, commit, wanted[i], ct);
            await StoreAsync(repoId, remote with { Commit = commit }, i, wanted.Count, progress, ct);
        }
        // Written last, so offline mode never resolves to a snapshot that is still being filled.
        Cache.WriteRef(repoId, revision, commit);
        return Cache.SnapshotFolder(repoId, commit);
    }

    /// <summary>
    /// Downloads one file of <paramref name="repoId"/> at <see cref="HubOptions.Revision"/> and returns its path
    /// inside the snapshot folder. <paramref name="filename"/> is the path in the repo, with '/' separators.
    /// </summary>
    public async Task<string> DownloadFileAsync(string repoId, string filename,
        IProgress<DownloadProgress>? progress = null, CancellationToken ct = default)
    {
        HubCache.ValidateRepoId(repoId);
        HubCache.ValidateRepoFile(filename);
        string revision = Options.Revision;
        if (Options.Offline)
        {
            string folder = CachedSnapshotFolder(repoId, revision);
            string cached = Cache.SnapshotFile(repoId, Path.GetFileName(folder), filename);
            if (!HubCache.IsUsableFile(cached))
                throw new HubException($"'{filename}' of '{repoId}' (revision '{revision}') is not in the cache at {Cache.Root} and offline mode is on (HF_HUB_OFFLINE).");
            ReportCached(progress, repoId, filename, 0, 1, cached);
            return cached;
        }
        // A commit sha never changes, so a cached file for it needs no request at all.
        if (HubCache.IsCommitSha(revision) && Cache.SnapshotFile(repoId, revision, filename) is var pinned && HubCache.IsUsableFile(pinned))
        {
            ReportCached(progress, repoId, filename, 0, 1, pinned);
            return pinned;
        }
        var remote = await GetMetadataAsync(repoId, revision, filename, ct);
        string path = await StoreAsync(repoId, remote, 0, 1, progress, ct);
        Cache.WriteRef(repoId, revision, remote.Commit);
        return path;
    }

    public void Dispose()
    {
        if (_http.IsValueCreated) _http.Value.Dispose();
    }

    private string CachedSnapshotFolder(string repoId, string revision)
    {
        string? commit = Cache.TryResolveCommit(repoId, revision);
        string? folder = commit is null ? null : Cache.SnapshotFolder(repoId, commit);
        if (folder is null || !Directory.Exists(folder))
            throw new HubException(
                $"'{repoId}' (revision '{revision}') is not in the cache at {Cache.Root} and offline mode is on (HF_HUB_OFFLINE): "
                + "download it once while online, or pass a local model folder.");
        return folder;
    }

    /// <summary>Puts the file's blob in the cache (downloading it if needed) and links it into its snapshot.</summary>
    private async Task<string> StoreAsync(string repoId, RemoteFile remote, int index, int count,
        IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        string snapshotFile = Cache.SnapshotFile(repoId, remote.Commit, remote.RepoFile);
        if (HubCache.IsUsableFile(snapshotFile))
        {
            ReportCached(progress, repoId, remote.RepoFile, index, count, snapshotFile);
            return snapshotFile;
        }
        string blob = Cache.BlobPath(repoId, remote.Etag);
        await new BlobDownloader(_http.Value).DownloadAsync(repoId, remote, blob,
            (done, total) => progress?.Report(new DownloadProgress(repoId, remote.RepoFile, index, count, done, total, false, false)), ct);
        HubCache.LinkIntoSnapshot(blob, snapshotFile);
        long size = FileSize(blob);
        progress?.Report(new DownloadProgress(repoId, remote.RepoFile, index, count, size, size, true, false));
        return snapshotFile;
    }

    /// <summary>GET /api/models/{repo}/revision/{revision}: the commit sha and every file path.</summary>
    private async Task<(string Commit, List<string> Files)> ListFilesAsync(string repoId, string revision, CancellationToken ct)
    {
        var http = _http.Value;
        var url = http.EndpointUrl($"api/models/{repoId}/revision/{Uri.EscapeDataString(revision)}");
        string json = await http.WithRetriesAsync(url.ToString(), async timer =>
        {
            using var response = await http.SendAsync(HttpMethod.Get, url, null, stopAt: null, timer.Token);
            http.EnsureSuccess(response, url.ToString(), repoId, revision, null);
            try
            {
                return await response.Content.ReadAsStringAsync(timer.Token);
            }
            catch (IOException e)
            {
                throw new TransientHttpException($"connection lost while reading the file list: {e.Message}", inner: e);
            }
        }, ct);
        return ParseRepoInfo(json, url.ToString());
    }

    private static (string Commit, List<string> Files) ParseRepoInfo(string json, string url)
    {
        string Malformed(string what) => $"Malformed answer from {url}: {what}.";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new HubException(Malformed($"not JSON ({e.Message})"), null, url, e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new HubException(Malformed($"expected a JSON object, got {root.ValueKind}"), null, url);
            if (!root.TryGetProperty("sha", out var sha) || sha.ValueKind != JsonValueKind.String || !HubCache.IsCommitSha(sha.GetString()!))
                throw new HubException(Malformed("field \"sha\" must be a 40-hex commit sha"), null, url);
            if (!root.TryGetProperty("siblings", out var siblings) || siblings.ValueKind != JsonValueKind.Array)
                throw new HubException(Malformed("field \"siblings\" must be an array"), null, url);
            var files = new List<string>();
            foreach (var sibling in siblings.EnumerateArray())
            {
                if (sibling.ValueKind != JsonValueKind.Object || !sibling.TryGetProperty("rfilename", out var name) || name.ValueKind != JsonValueKind.String)
                    throw new HubException(Malformed("each entry of \"siblings\" needs a string \"rfilename\""), null, url);
                files.Add(HubCache.ValidateRepoFile(name.GetString()!));
            }
            return (sha.GetString()!, files);
        }
    }

    /// <summary>
    /// HEAD {endpoint}/{repo}/resolve/{revision}/{file}: commit, ETag and size. Redirects are followed only
    /// while they stay on the hub and carry no X-Linked-Etag; an LFS file's redirect to its CDN is where the
    /// hub states the content's sha256 and size, so the CDN's own ETag is never used.
    /// </summary>
    private async Task<RemoteFile> GetMetadataAsync(string repoId, string revision, string repoFile, CancellationToken ct)
    {
        var http = _http.Value;
        string escapedFile = string.Join('/', repoFile.Split('/').Select(Uri.EscapeDataString));
        var url = http.EndpointUrl($"{repoId}/resolve/{Uri.EscapeDataString(revision)}/{escapedFile}");
        return await http.WithRetriesAsync(url.ToString(), async timer =>
        {
            using var response = await http.SendAsync(HttpMethod.Head, url, null,
                stopAt: (hop, next) => HubHttp.Header(hop, "X-Linked-Etag") is not null || !http.IsEndpointOrigin(next), timer.Token);
            http.EnsureSuccess(response, url.ToString(), repoId, revision, repoFile);

            var answered = response.RequestMessage!.RequestUri!;
            bool redirected = HubHttp.IsRedirect(response.StatusCode);
            var downloadUrl = redirected ? new Uri(answered, response.Headers.Location!) : answered;
            string? etag = NormalizeEtag(HubHttp.Header(response, "X-Linked-Etag") ?? HubHttp.Header(response, "ETag"));
            if (etag is null)
                throw new HubException($"{url} answered without a usable ETag (a hash naming the content), so the file cannot be cached. Is a proxy rewriting hub responses?", null, url.ToString());
            long? size = long.TryParse(HubHttp.Header(response, "X-Linked-Size"), out long linked) ? linked
                : redirected ? null : response.Content.Headers.ContentLength;
            string commit = HubHttp.Header(response, "X-Repo-Commit")
                ?? (HubCache.IsCommitSha(revision) ? revision
                    : throw new HubException($"{url} answered without X-Repo-Commit; is HF_ENDPOINT ({Options.Endpoint}) a Hugging Face hub?", null, url.ToString()));
            if (!HubCache.IsCommitSha(commit))
                throw new HubException($"{url} sent X-Repo-Commit '{commit}', which is not a 40-hex commit sha.", null, url.ToString());
            return new RemoteFile(repoFile, commit, etag, size, downloadUrl);
        }, ct);
    }

    /// <summary>An ETag as a blob file name: without W/ and quotes; null when absent or unsafe as a name.</summary>
    private static string? NormalizeEtag(string? etag)
    {
        if (etag is null) return null;
        etag = etag.Trim();
        if (etag.StartsWith("W/", StringComparison.Ordinal)) etag = etag[2..];
        etag = etag.Trim('"');
        bool safe = etag.Length is > 0 and <= 200 && etag is not ("." or "..")
            && etag.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
        return safe ? etag : null;
    }

    private static void ReportCached(IProgress<DownloadProgress>? progress, string repoId, string repoFile, int index, int count, string path)
    {
        if (progress is null) return;
        long size = FileSize(path);
        progress.Report(new DownloadProgress(repoId, repoFile, index, count, size, size, true, true));
    }

    /// <summary>Size of a file, following a snapshot link to its blob.</summary>
    private static long FileSize(string path)
    {
        using var handle = File.OpenHandle(path);
        return RandomAccess.GetLength(handle);
    }
}
