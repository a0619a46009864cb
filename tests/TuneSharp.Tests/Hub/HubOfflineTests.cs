using TuneSharp.Hub;

namespace TuneSharp.Tests.Hub;

/// <summary>Offline mode answers from the cache only, through refs/{revision}.</summary>
public sealed class HubOfflineTests
{
    [Fact]
    public async Task Offline_ResolvesDownloadedSnapshotFromCache_WithoutRequests()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000));
        string online;
        using (var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path)))
            online = await client.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline());
        int requestsBefore = hub.Hub.Requests.Count + hub.Cdn.Requests.Count;

        using var offline = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path) with { Offline = true });
        string snapshot = await offline.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline());
        string config = await offline.DownloadFileAsync(FakeHub.RepoId, "config.json", ct: HubTestSupport.Deadline());

        Assert.Equal(online, snapshot);
        Assert.Equal(hub.Files["config.json"].Content, File.ReadAllBytes(config));
        Assert.Equal(requestsBefore, hub.Hub.Requests.Count + hub.Cdn.Requests.Count);
    }

    [Fact]
    public async Task Offline_WorksWithAnUnusableEndpoint()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000));
        using (var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path)))
            await client.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline());

        using var offline = new HubClient(HubTestSupport.Options("not a url", temp.Path) with { Offline = true });
        string snapshot = await offline.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline());

        Assert.True(File.Exists(Path.Combine(snapshot, "tokenizer.json")));
    }

    [Fact]
    public async Task Offline_NotCached_IsAClearError()
    {
        using var temp = new TempDir();
        using var offline = new HubClient(HubTestSupport.Options(HubTestSupport.DeadEndpoint(), temp.Path) with { Offline = true });

        var error = await Assert.ThrowsAsync<HubException>(() => offline.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline()));

        Assert.Contains(FakeHub.RepoId, error.Message);
        Assert.Contains("not in the cache", error.Message);
        Assert.Contains("HF_HUB_OFFLINE", error.Message);
    }

    [Fact]
    public async Task Offline_FileMissingFromCachedSnapshot_NamesTheFile()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000));
        using (var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path)))
            await client.DownloadFileAsync(FakeHub.RepoId, "config.json", ct: HubTestSupport.Deadline());

        using var offline = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path) with { Offline = true });
        var error = await Assert.ThrowsAsync<HubException>(() => offline.DownloadFileAsync(FakeHub.RepoId, "tokenizer.json", ct: HubTestSupport.Deadline()));

        Assert.Contains("'tokenizer.json' of 'test-org/tiny-model'", error.Message);
    }
}
