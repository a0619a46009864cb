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
    }

    [Fact]
    public void UnknownHubId_SaysNoLocalFolderExistsEither()
    {
        using var temp = new TempDir();
        using var hub = new FakeHub(FakeHub.TinyModelFiles(1000));

        var error = Assert.Throws<HubException>(() => ModelLocator.Resolve("test-org/other", HubTestSupport.Options(hub.Endpoint, temp.Path)));

        Assert.Contains("'test-org/other' not found", error.Message);
        Assert.Contains("No local folder 'test-org/other'", error.Message);
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
}
