using System.Diagnostics;
using TuneSharp.Hub;

namespace TuneSharp.Tests.Hub;

/// <summary>Failures the user can act on: missing repo/file, auth, network, bad server answers, retries.</summary>
public sealed class HubClientErrorTests
{
    [Fact]
    public async Task MissingRepo_Is404NamingTheRepo()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000));
        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path));

        var error = await Assert.ThrowsAsync<HubException>(() => client.SnapshotDownloadAsync("test-org/no-such-model", ct: HubTestSupport.Deadline()));

        Assert.Equal(404, error.StatusCode);
        Assert.Contains("'test-org/no-such-model' not found", error.Message);
        Assert.Equal(1, hub.ListingRequestCount);   // a 404 is not retried
    }

    [Fact]
    public async Task MissingFile_Is404NamingTheFile()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000));
        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path));

        var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync(FakeHub.RepoId, "weights/missing.bin", ct: HubTestSupport.Deadline()));

        Assert.Equal(404, error.StatusCode);
        Assert.Contains("'weights/missing.bin' not found in 'test-org/tiny-model'", error.Message);
    }

    [Fact]
    public async Task MissingRevision_Is404NamingTheRevision()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000));
        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path) with { Revision = "v9" });

        var error = await Assert.ThrowsAsync<HubException>(() => client.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline()));

        Assert.Contains("Revision 'v9' not found", error.Message);
    }

    [Fact]
    public async Task PrivateRepoWithoutToken_Is401AskingForHfToken()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000)) { RequiredToken = "hf_secret" };
        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path));

        var error = await Assert.ThrowsAsync<HubException>(() => client.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline()));

        Assert.Equal(401, error.StatusCode);
        Assert.Contains("gated or private: set HF_TOKEN", error.Message);
        Assert.Contains(FakeHub.RepoId, error.Message);
    }

    [Fact]
    public async Task GatedRepoWithWrongToken_SaysTheTokenHasNoAccess()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000)) { RequiredToken = "hf_secret", Gated = true };
        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path) with { Token = "hf_wrong" });

        var error = await Assert.ThrowsAsync<HubException>(() => client.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline()));

        Assert.Contains("gated repo", error.Message);
        Assert.Contains("HF_TOKEN", error.Message);
        Assert.Contains("no access", error.Message);
    }

    [Fact]
    public async Task Token_IsSentAsBearerToTheHub_ButNotToTheCdn()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles()) { RequiredToken = "hf_secret" };
        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path) with { Token = "hf_secret" });

        string snapshot = await client.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline());

        Assert.Equal(hub.Files["model.safetensors"].Content, File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")));
        Assert.Equal(6, hub.Hub.Requests.Count);   // listing + 3 HEAD + 2 regular GET; the LFS GET goes to the CDN
        Assert.All(hub.Hub.Requests, r => Assert.Equal("Bearer hf_secret", r.Header("Authorization")));
        Assert.Single(hub.Cdn.Requests);
        Assert.Null(hub.Cdn.Requests[0].Header("Authorization"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UnreachableEndpoint_FailsAtOnceWithoutRetries_NamingTheUrl(bool unresolvableHost)
    {
        using var temp = new TempDir();
        string endpoint = unresolvableHost ? "http://nonexistent.invalid" : HubTestSupport.DeadEndpoint();
        // Production retry waits (1 s doubling, 4 retries): retrying this would take 15 s, as it did before.
        using var client = new HubClient(new HubOptions(_ => null) { Endpoint = endpoint, CacheDir = temp.Path });
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<HubUnreachableException>(() => client.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline()));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Contains($"Could not reach {endpoint}/api/models/{FakeHub.RepoId}/revision/main", error.Message);
        Assert.DoesNotContain("attempt(s)", error.Message);
        Assert.Contains("HF_HUB_OFFLINE=1", error.Message);
        Assert.Null(error.StatusCode);
    }

    [Fact]
    public async Task StalledServer_TimesOut_AndIsRetried()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000)) { ListingDelay = TimeSpan.FromSeconds(30) };
        var options = HubTestSupport.Options(hub.Endpoint, temp.Path, maxRetries: 1) with { Timeout = TimeSpan.FromMilliseconds(300) };
        using var client = new HubClient(options);
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<HubUnreachableException>(() => client.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline()));

        Assert.Contains("no response within 0.3 s", error.Message);
        Assert.Equal(2, hub.ListingRequestCount);
        // Not a speed check: the server would answer only after 30 s, so finishing well before that proves the
        // 0.3 s timeout cut both attempts short instead of waiting for the stalled response.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task CallerCancellation_IsNotTurnedIntoAHubError()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000)) { ListingDelay = TimeSpan.FromSeconds(5) };
        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path));
        using var cancel = new CancellationTokenSource();

        // Cancel once the request is in flight (not after a fixed delay, which a loaded machine may not meet).
        var download = client.SnapshotDownloadAsync(FakeHub.RepoId, ct: cancel.Token);
        var waitUntil = DateTime.UtcNow.AddSeconds(10);
        while (hub.ListingRequestCount == 0 && DateTime.UtcNow < waitUntil) await Task.Delay(10);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => download);
        Assert.Equal(1, hub.ListingRequestCount);
    }

    [Fact]
    public async Task ServerErrors_AreRetried_ThenSucceed()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000)) { ListingFailuresLeft = 2 };
        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path, maxRetries: 2));

        string snapshot = await client.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline());

        Assert.True(File.Exists(Path.Combine(snapshot, "config.json")));
        Assert.Equal(3, hub.ListingRequestCount);
    }

    [Fact]
    public async Task PersistentServerErrors_StopAfterMaxRetries()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000)) { ListingFailuresLeft = 100 };
        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path, maxRetries: 3));

        var error = await Assert.ThrowsAsync<HubException>(() => client.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline()));

        Assert.Equal(503, error.StatusCode);
        Assert.Contains("HTTP 503", error.Message);
        Assert.Equal(4, hub.ListingRequestCount);
    }

    [Theory]
    [InlineData("<html>rate limited</html>", "not JSON")]
    [InlineData("[1, 2]", "expected a JSON object")]
    [InlineData("{\"siblings\": []}", "\"sha\"")]
    [InlineData("{\"sha\": \"0123456789abcdef0123456789abcdef01234567\"}", "\"siblings\"")]
    [InlineData("{\"sha\": \"0123456789abcdef0123456789abcdef01234567\", \"siblings\": [{\"name\": \"x\"}]}", "\"rfilename\"")]
    public async Task MalformedFileList_IsAClearError(string body, string expectedInMessage)
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000)) { ListingBody = body };
        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path));

        var error = await Assert.ThrowsAsync<HubException>(() => client.SnapshotDownloadAsync(FakeHub.RepoId, ct: HubTestSupport.Deadline()));

        Assert.Contains("Malformed answer from", error.Message);
        Assert.Contains(expectedInMessage, error.Message);
    }

    [Fact]
    public async Task FileListEscapingTheSnapshot_IsRefused()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000))
        {
            ListingBody = "{\"sha\": \"0123456789abcdef0123456789abcdef01234567\", \"siblings\": [{\"rfilename\": \"../../../evil.json\"}]}",
        };
        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path));

        var error = await Assert.ThrowsAsync<HubException>(() => client.SnapshotDownloadAsync(FakeHub.RepoId, ["*"], ct: HubTestSupport.Deadline()));

        Assert.Contains("../../../evil.json", error.Message);
        Assert.Equal(0, hub.FileRequestCount);
    }

    [Fact]
    public async Task InvalidRepoId_IsRefusedWithoutARequest()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000));
        using var client = new HubClient(HubTestSupport.Options(hub.Endpoint, temp.Path));

        var error = await Assert.ThrowsAsync<HubException>(() => client.SnapshotDownloadAsync("../etc/passwd", ct: HubTestSupport.Deadline()));

        Assert.Contains("not a valid Hugging Face repo id", error.Message);
        Assert.Empty(hub.Hub.Requests);
    }
}
