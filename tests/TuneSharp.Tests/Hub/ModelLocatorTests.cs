using System.Diagnostics;
using TuneSharp.Hub;

namespace TuneSharp.Tests.Hub;

/// <summary>A model argument is a local folder, a hub id to download, or a clear error.</summary>
public sealed class ModelLocatorTests
{
    [Fact]
    public void ExistingFolder_IsReturnedAsIs()
    {
        using var temp = new TempDir();
        string folder = Path.Combine(temp.Path, "org", "name");   // shaped like a hub id too: the folder wins
        Directory.CreateDirectory(folder);

        Assert.Equal(folder, ModelLocator.Resolve(folder, HubTestSupport.Options(HubTestSupport.DeadEndpoint(), temp.Path)));
    }

    [Fact]
    public void HubId_IsDownloaded()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000));

        string folder = ModelLocator.Resolve(FakeHub.RepoId, HubTestSupport.Options(hub.Endpoint, temp.Path));

        Assert.Equal(Path.Combine(temp.Path, "models--test-org--tiny-model", "snapshots", FakeHub.Commit), folder);
        Assert.Equal(hub.Files["config.json"].Content, File.ReadAllBytes(Path.Combine(folder, "config.json")));
    }

    [Fact]
    public void HubIdWithRevision_UsesThatRevision()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000));

        string folder = ModelLocator.Resolve($"{FakeHub.RepoId}@{FakeHub.Commit}", HubTestSupport.Options(hub.Endpoint, temp.Path));

        Assert.EndsWith(FakeHub.Commit, folder);
        Assert.Contains(hub.Hub.Requests, r => r.Path == $"/api/models/{FakeHub.RepoId}/revision/{FakeHub.Commit}");
    }

    [Theory]
    [InlineData("./models/missing")]
    [InlineData("/definitely/not/here")]
    [InlineData("not a model")]
    [InlineData("a/b/c")]
    public void NeitherFolderNorHubId_IsAClearError(string argument)
    {
        using var temp = new TempDir();
        var error = Assert.ThrowsAny<TuneSharpException>(() =>
            ModelLocator.Resolve(argument, HubTestSupport.Options(HubTestSupport.DeadEndpoint(), temp.Path)));

        Assert.Contains("not a folder and not a hub id", error.Message);
        Assert.Contains(argument, error.Message);
        Assert.Contains($"there is no folder {Path.GetFullPath(argument)}", error.Message);
    }

    [Fact]
    public void UnknownHubId_SaysNoLocalFolderExistsEither()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000));

        var error = Assert.Throws<HubException>(() => ModelLocator.Resolve("test-org/other", HubTestSupport.Options(hub.Endpoint, temp.Path)));

        Assert.Contains("'test-org/other' not found", error.Message);
        Assert.Contains($"there is no folder {Path.GetFullPath("test-org/other")}", error.Message);
    }

    [Fact]
    public void AFile_IsNotAModelFolder()
    {
        using var temp = new TempDir();
        string file = temp.File("config.json");
        File.WriteAllText(file, "{}");

        var error = Assert.ThrowsAny<TuneSharpException>(() => ModelLocator.Resolve(file, HubTestSupport.Options(HubTestSupport.DeadEndpoint(), temp.Path)));
        Assert.Contains("is a file", error.Message);
    }

    /// <summary>Production retry settings (4 retries, waits from 1 s): a retried connection failure would take 15 s.</summary>
    private static HubOptions RealRetries(string endpoint, string cacheDir) => new HubOptions(_ => null) { Endpoint = endpoint, CacheDir = cacheDir };

    [Theory]
    [InlineData("gpt2")]
    [InlineData("bert-base-uncased@main")]
    [InlineData("org/name")]
    public void BareAndQualifiedNames_AreHubIds(string text)
    {
        Assert.True(ModelLocator.TryParseHubId(text, out var repoId, out _));
        Assert.Equal(text.Split('@')[0], repoId);
    }

    [Fact]
    public void BareLegacyName_IsDownloadedThroughTheHubsRedirect_AndCachedUnderTheNameGiven()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000));
        hub.RenamedRepos["tiny-model"] = FakeHub.RepoId;

        string folder = ModelLocator.Resolve("tiny-model", HubTestSupport.Options(hub.Endpoint, temp.Path));

        // Where Python's huggingface_hub puts it too: the cache folder is named after the id as typed.
        Assert.Equal(Path.Combine(temp.Path, "models--tiny-model", "snapshots", FakeHub.Commit), folder);
        Assert.Equal(hub.Files["model.safetensors"].Content, File.ReadAllBytes(Path.Combine(folder, "model.safetensors")));
        Assert.Contains(hub.Hub.Requests, r => r.Path == "/api/models/tiny-model/revision/main");
        Assert.Contains(hub.Hub.Requests, r => r.Path == $"/api/models/{FakeHub.RepoId}/revision/main");
        Assert.Equal(folder, ModelLocator.Resolve("tiny-model", HubTestSupport.Options(hub.Endpoint, temp.Path) with { Offline = true }));
    }

    [Fact]
    public void KnownLegacyNames_HaveTheirNewIds()
    {
        Assert.True(LegacyModelIds.TryGetCanonical("bert-base-uncased", out var bert));
        Assert.Equal("google-bert/bert-base-uncased", bert);
        Assert.True(LegacyModelIds.TryGetCanonical("gpt2", out var gpt2));
        Assert.Equal("openai-community/gpt2", gpt2);
        Assert.True(LegacyModelIds.TryGetCanonical("roberta-base", out var roberta));
        Assert.Equal("FacebookAI/roberta-base", roberta);
        Assert.True(LegacyModelIds.TryGetCanonical("distilbert-base-uncased", out var distilbert));
        Assert.Equal("distilbert/distilbert-base-uncased", distilbert);
        Assert.True(LegacyModelIds.TryGetCanonical("t5-small", out var t5));
        Assert.Equal("google-t5/t5-small", t5);
        Assert.False(LegacyModelIds.TryGetCanonical("google-bert/bert-base-uncased", out _));
        Assert.False(LegacyModelIds.TryGetCanonical("my-model", out _));
    }

    [Fact]
    public void UnknownBareName_On404_NamesTheFolderItLookedFor()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000));

        var error = Assert.Throws<HubException>(() => ModelLocator.Resolve("bert-base-uncased", HubTestSupport.Options(hub.Endpoint, temp.Path)));

        Assert.Equal(404, error.StatusCode);
        Assert.Contains($"there is no folder {Path.GetFullPath("bert-base-uncased")}", error.Message);
        // A mirror that does not redirect legacy names: the new id is suggested.
        Assert.Contains("redirects to 'google-bert/bert-base-uncased'; try that id", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UnreachableHub_FailsAtOnce_NamingThePathTheIdAndWhatToDo(bool unresolvableHost)
    {
        using var temp = new TempDir();
        // A closed loopback port (connection refused) or a name that never resolves (.invalid is reserved for that).
        string endpoint = unresolvableHost ? "http://nonexistent.invalid" : HubTestSupport.DeadEndpoint();
        var clock = Stopwatch.StartNew();

        var error = Assert.Throws<HubUnreachableException>(() => ModelLocator.Resolve("bert-base-uncased", RealRetries(endpoint, temp.Path)));

        // Measured before the change: 15.2 s (5 attempts, 1+2+4+8 s of backoff); now ~0.3 s for the whole CLI process.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Contains($"there is no folder {Path.GetFullPath("bert-base-uncased")}", error.Message);
        Assert.Contains($"could not be reached to download hub id 'bert-base-uncased'", error.Message);
        Assert.Contains(unresolvableHost ? "nonexistent.invalid" : "Connection refused", error.Message);
        Assert.Contains("the hub now calls it 'google-bert/bert-base-uncased'", error.Message);
        Assert.Contains("HF_HUB_OFFLINE=1", error.Message);
        Assert.Contains($"models--google-bert--bert-base-uncased folder into {temp.Path}", error.Message);
        Assert.Contains("huggingface-cli download google-bert/bert-base-uncased", error.Message);
    }

    [Fact]
    public void UnreachableHub_WithTheModelCached_SaysHowToUseTheCache()
    {
        using var temp = new TempDir();
        using (var hub = new FakeHub(FakeHub.TinyModelFiles(1000)))
            ModelLocator.Resolve(FakeHub.RepoId, HubTestSupport.Options(hub.Endpoint, temp.Path));

        var error = Assert.Throws<HubUnreachableException>(() =>
            ModelLocator.Resolve(FakeHub.RepoId, RealRetries(HubTestSupport.DeadEndpoint(), temp.Path)));

        Assert.Contains($"in the cache ({Path.Combine(temp.Path, "models--test-org--tiny-model", "snapshots", FakeHub.Commit)}): set HF_HUB_OFFLINE=1", error.Message);
    }

    [Fact]
    public void Offline_BareNameNotCached_FailsAtOnce_NamingThePathTheIdAndTheCache()
    {
        using var temp = new TempDir();
        var clock = Stopwatch.StartNew();

        var error = Assert.Throws<HubException>(() =>
            ModelLocator.Resolve("bert-base-uncased", RealRetries("http://nonexistent.invalid", temp.Path) with { Offline = true }));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.Contains($"there is no folder {Path.GetFullPath("bert-base-uncased")}", error.Message);
        Assert.Contains($"offline mode is on (HF_HUB_OFFLINE) but hub id 'bert-base-uncased' (revision 'main') is not in the cache at {temp.Path}", error.Message);
        Assert.Contains("google-bert/bert-base-uncased", error.Message);
    }

    [Fact]
    public void Offline_LegacyName_FindsTheModelCachedUnderItsNewId()
    {
        using var temp = new TempDir();
        // The layout huggingface_hub leaves after `huggingface-cli download google-bert/bert-base-uncased`.
        var cache = new HubCache(temp.Path);
        string snapshot = cache.SnapshotFolder("google-bert/bert-base-uncased", FakeHub.Commit);
        Directory.CreateDirectory(snapshot);
        File.WriteAllText(Path.Combine(snapshot, "config.json"), "{}");
        cache.WriteRef("google-bert/bert-base-uncased", "main", FakeHub.Commit);

        string folder = ModelLocator.Resolve("bert-base-uncased", RealRetries("http://nonexistent.invalid", temp.Path) with { Offline = true });

        Assert.Equal(snapshot, folder);
    }
}
