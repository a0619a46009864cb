using TuneSharp.Hub;

namespace TuneSharp.Tests.Hub;

/// <summary>Snapshot and single-file downloads against the loopback fake hub: layout, caching, resuming, checksums.</summary>
public sealed class HubClientDownloadTests
{
    [Fact]
    public async Task SnapshotDownload_WritesPythonCacheLayout_WithIdenticalFiles()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles());
        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path));
        var progress = new RecordingProgress();

        string snapshot = await client.SnapshotDownloadAsync(FakeHub.RepoId, progress: progress, ct: HubTestSupport.Deadline());

        string repoFolder = Path.Combine(temp.Path, "models--test-org--tiny-model");
        Assert.Equal(Path.Combine(repoFolder, "snapshots", FakeHub.Commit), snapshot);
        Assert.Equal(FakeHub.Commit, File.ReadAllText(Path.Combine(repoFolder, "refs", "main")));
        foreach (var (name, file) in hub.Files)
        {
            string inSnapshot = Path.Combine(snapshot, name);
            Assert.Equal(file.Content, File.ReadAllBytes(inSnapshot));
            string blob = Path.Combine(repoFolder, "blobs", file.Etag);
            Assert.Equal(file.Content, File.ReadAllBytes(blob));
            if (!OperatingSystem.IsWindows())
                Assert.Equal($"../../blobs/{file.Etag}", new FileInfo(inSnapshot).LinkTarget);
        }
        Assert.Equal(3, Directory.GetFiles(Path.Combine(repoFolder, "blobs")).Length);   // no .incomplete left
        Assert.Null(hub.Hub.Requests.FirstOrDefault(r => r.Header("Authorization") is not null));

        // The last report of each file says it is complete with its full size.
        foreach (var (name, file) in hub.Files)
        {
            var last = progress.Reports.Last(r => r.FileName == name);
            Assert.True(last.Completed);
            Assert.False(last.FromCache);
            Assert.Equal(file.Content.Length, last.BytesDone);
            Assert.Equal(3, last.FileCount);
        }
    }

    [Fact]
    public async Task SecondSnapshotDownload_MakesNoFileRequests()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles());
        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path));

        string first = await client.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline());
        int fileRequestsAfterFirst = hub.FileRequestCount;
        var progress = new RecordingProgress();
        string second = await client.SnapshotDownloadAsync(FakeHub.RepoId, progress: progress, ct: HubTestSupport.Deadline());

        Assert.Equal(first, second);
        Assert.Equal(6, fileRequestsAfterFirst);   // HEAD + GET for each of 3 files (LFS GET goes to the CDN)
        Assert.Equal(fileRequestsAfterFirst, hub.FileRequestCount);
        Assert.Equal(2, hub.ListingRequestCount);
        Assert.All(progress.Reports, r => Assert.True(r.FromCache));
    }

    [Fact]
    public async Task DroppedConnection_IsResumedWithRange_WithinOneCall()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles()) { DropLfsHalfwayTimes = 1 };
        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path));

        string snapshot = await client.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline());

        var weights = hub.Files["model.safetensors"];
        Assert.Equal(weights.Content, File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")));
        var cdnGets = hub.Cdn.Requests.Where(r => r.Method == "GET").ToList();
        Assert.Equal(2, cdnGets.Count);
        Assert.Null(cdnGets[0].Header("Range"));
        Assert.Equal($"bytes={weights.Content.Length / 2}-", cdnGets[1].Header("Range"));
    }

    [Fact]
    public async Task ServerIgnoringRange_RestartsFromTheBeginning_WithCorrectBytes()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles()) { DropLfsHalfwayTimes = 1, IgnoreRange = true };
        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path));

        string snapshot = await client.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline());

        Assert.Equal(hub.Files["model.safetensors"].Content, File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")));
        Assert.NotNull(hub.Cdn.Requests[1].Header("Range"));   // asked to resume, got the whole file
    }

    [Fact]
    public async Task FailedRun_LeavesPartialFile_WhichTheNextRunResumes()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles()) { DropLfsHalfwayTimes = 1 };
        var weights = hub.Files["model.safetensors"];
        string incomplete = Path.Combine(temp.Path, "models--test-org--tiny-model", "blobs", weights.Sha256 + ".incomplete");

        using (var noRetries = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path, maxRetries: 0)))
        {
            var error = await Assert.ThrowsAsync<HubException>(() => noRetries.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline()));
            Assert.Contains(hub.Cdn.BaseUrl, error.Message);
        }
        Assert.Equal(weights.Content.Length / 2, new FileInfo(incomplete).Length);
        Assert.False(File.Exists(Path.Combine(temp.Path, "models--test-org--tiny-model", "refs", "main")));

        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path));
        string snapshot = await client.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline());

        Assert.Equal(weights.Content, File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")));
        Assert.Equal($"bytes={weights.Content.Length / 2}-", hub.Cdn.Requests.Last().Header("Range"));
        Assert.False(File.Exists(incomplete));
    }

    [Fact]
    public async Task Sha256Mismatch_FailsAndLeavesNothingInSnapshotOrBlobs()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles()) { CorruptLfs = true };
        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path));

        var error = await Assert.ThrowsAsync<HubException>(() => client.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline()));

        var weights = hub.Files["model.safetensors"];
        Assert.Contains("model.safetensors", error.Message);
        Assert.Contains(weights.Sha256, error.Message);
        string repoFolder = Path.Combine(temp.Path, "models--test-org--tiny-model");
        Assert.False(File.Exists(Path.Combine(repoFolder, "snapshots", FakeHub.Commit, "model.safetensors")));
        Assert.Empty(Directory.GetFiles(Path.Combine(repoFolder, "blobs"), weights.Sha256 + "*"));
        Assert.False(File.Exists(Path.Combine(repoFolder, "refs", "main")));
    }

    [Fact]
    public async Task AllowPatterns_SelectFiles_WithFnmatchSemantics()
    {
        var files = FakeHub.TinyModelFiles(lfsBytes: 1000);
        files["README.md"] = new("# readme"u8.ToArray(), false);
        files["pytorch_model.bin"] = new(new byte[100], true);
        files["onnx/model.onnx"] = new(new byte[50], true);
        files["onnx/config.json"] = new("{}"u8.ToArray(), false);
        using var temp = new TempDir();
        using var hub = new FakeHub(files);
        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path));

        string snapshot = await client.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline());
        Assert.Equal(["config.json", "model.safetensors", "tokenizer.json"], ListFiles(snapshot));

        await client.SnapshotDownloadAsync(FakeHub.RepoId, ["onnx/"], ct: HubTestSupport.Deadline());
        Assert.Equal(["config.json", "model.safetensors", "onnx/config.json", "onnx/model.onnx", "tokenizer.json"], ListFiles(snapshot));
        Assert.Equal(files["onnx/model.onnx"].Content, File.ReadAllBytes(Path.Combine(snapshot, "onnx", "model.onnx")));

        await client.SnapshotDownloadAsync(FakeHub.RepoId, ["*.md"], ct: HubTestSupport.Deadline());
        Assert.Contains("README.md", ListFiles(snapshot));
        Assert.DoesNotContain("pytorch_model.bin", ListFiles(snapshot));
        Assert.DoesNotContain(hub.Hub.Requests, r => r.Path.EndsWith("pytorch_model.bin"));

        var none = await Assert.ThrowsAsync<HubException>(() => client.SnapshotDownloadAsync(FakeHub.RepoId, ["*.gguf"], ct: HubTestSupport.Deadline()));
        Assert.Contains("*.gguf", none.Message);
    }

    [Fact]
    public async Task DownloadFile_FetchesOneFile_AndPinnedCommitNeedsNoRequest()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles());
        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path));

        string path = await client.DownloadFileAsync(FakeHub.RepoId, "config.json", ct: HubTestSupport.Deadline());

        Assert.Equal(Path.Combine(temp.Path, "models--test-org--tiny-model", "snapshots", FakeHub.Commit, "config.json"), path);
        Assert.Equal(hub.Files["config.json"].Content, File.ReadAllBytes(path));
        Assert.Equal(FakeHub.Commit, File.ReadAllText(Path.Combine(temp.Path, "models--test-org--tiny-model", "refs", "main")));
        Assert.Equal(0, hub.ListingRequestCount);

        int before = hub.Hub.Requests.Count;
        using var pinned = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path) with { Revision = FakeHub.Commit });
        Assert.Equal(path, await pinned.DownloadFileAsync(FakeHub.RepoId, "config.json", ct: HubTestSupport.Deadline()));
        Assert.Equal(before, hub.Hub.Requests.Count);
    }

    [Fact]
    public async Task BlobAlreadyCached_IsLinkedWithoutDownloadingAgain()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles());
        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path));
        string snapshot = await client.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline());

        // A cache cleaner removed the snapshot entry but the blob is still there.
        File.Delete(Path.Combine(snapshot, "model.safetensors"));
        await client.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline());

        Assert.Equal(hub.Files["model.safetensors"].Content, File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")));
        Assert.Single(hub.Cdn.Requests);   // only the first run's download
    }

    private static List<string> ListFiles(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
}
