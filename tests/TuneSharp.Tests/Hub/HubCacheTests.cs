using TuneSharp.Hub;

namespace TuneSharp.Tests.Hub;

/// <summary>Cache paths and id validation; the cache must stay inside its folder whatever the server sends.</summary>
public sealed class HubCacheTests
{
    [Fact]
    public void Paths_FollowHuggingFaceHubLayout()
    {
        using var temp = new TempDir();
        var cache = new HubCache(temp.Path);
        string repo = Path.Combine(temp.Path, "models--sentence-transformers--all-MiniLM-L6-v2");

        Assert.Equal(repo, cache.RepoFolder("sentence-transformers/all-MiniLM-L6-v2"));
        Assert.Equal(Path.Combine(repo, "blobs", "abc"), cache.BlobPath("sentence-transformers/all-MiniLM-L6-v2", "abc"));
        Assert.Equal(Path.Combine(repo, "snapshots", "c0ffee", "1_Pooling", "config.json"),
            cache.SnapshotFile("sentence-transformers/all-MiniLM-L6-v2", "c0ffee", "1_Pooling/config.json"));
        Assert.Equal(Path.Combine(temp.Path, "models--gpt2"), cache.RepoFolder("gpt2"));
    }

    [Fact]
    public void Refs_RoundTrip_AndBranchesWithSlashesBecomeFolders()
    {
        using var temp = new TempDir();
        var cache = new HubCache(temp.Path);
        const string commit = "89abcdef0123456789abcdef0123456789abcdef";

        Assert.Null(cache.TryResolveCommit("org/name", "main"));
        cache.WriteRef("org/name", "main", commit);
        cache.WriteRef("org/name", "refs/pr/1", commit);

        Assert.Equal(commit, cache.TryResolveCommit("org/name", "main"));
        Assert.Equal(commit, File.ReadAllText(Path.Combine(cache.RepoFolder("org/name"), "refs", "refs", "pr", "1")));
        // A commit sha resolves to itself once its snapshot exists; no ref file is written for it.
        Assert.Null(cache.TryResolveCommit("org/name", commit));
        Directory.CreateDirectory(cache.SnapshotFolder("org/name", commit));
        Assert.Equal(commit, cache.TryResolveCommit("org/name", commit));
    }

    [Fact]
    public void DanglingSnapshotLink_IsNotUsable()
    {
        Skip.If(OperatingSystem.IsWindows());
        using var temp = new TempDir();
        string blob = temp.File("blob");
        File.WriteAllText(blob, "x");
        string link = Path.Combine(temp.Path, "snap", "file.txt");
        HubCache.LinkIntoSnapshot(blob, link);

        Assert.True(HubCache.IsUsableFile(link));
        File.Delete(blob);
        Assert.False(HubCache.IsUsableFile(link));
    }

    [Theory]
    [InlineData("org/name", true)]
    [InlineData("gpt2", true)]
    [InlineData("Org_1/my.model-v2", true)]
    [InlineData("org/name/extra", false)]
    [InlineData("../name", false)]
    [InlineData("org/..", false)]
    [InlineData("org--x/name", false)]
    [InlineData("/abs/path", false)]
    [InlineData("org/na me", false)]
    [InlineData("", false)]
    public void RepoIds_AreValidated(string repoId, bool valid) => Assert.Equal(valid, HubCache.IsValidRepoId(repoId));

    [Theory]
    [InlineData("../x")]
    [InlineData("a/../../x")]
    [InlineData("/etc/passwd")]
    [InlineData("a//b")]
    [InlineData("a\\b")]
    public void RepoFilesEscapingTheSnapshot_AreRefused(string repoFile) =>
        Assert.Throws<HubException>(() => HubCache.ValidateRepoFile(repoFile));
}
