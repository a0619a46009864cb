using TuneSharp.Hub;

namespace TuneSharp.Tests.Hub;

/// <summary>Environment variables are read the way Python's huggingface_hub reads them.</summary>
public sealed class HubOptionsTests
{
    private static HubOptions FromEnv(params (string Name, string Value)[] variables)
    {
        var env = variables.ToDictionary(v => v.Name, v => v.Value);
        return new HubOptions(name => env.GetValueOrDefault(name));
    }

    [Fact]
    public void Defaults_WithEmptyEnvironment()
    {
        using var temp = new TempDir();
        var options = FromEnv(("HF_HOME", temp.Path));

        Assert.Equal("https://huggingface.co", options.Endpoint);
        Assert.Null(options.Token);
        Assert.Equal("main", options.Revision);
        Assert.False(options.Offline);
        Assert.Equal(Path.Combine(temp.Path, "hub"), options.CacheDir);
    }

    [Fact]
    public void CacheDir_PrefersHfHubCache_ThenHfHome_ThenXdgCache()
    {
        Assert.Equal("/c/hub-cache", FromEnv(("HF_HUB_CACHE", "/c/hub-cache"), ("HF_HOME", "/h")).CacheDir);
        Assert.Equal(Path.Combine("/h", "hub"), FromEnv(("HF_HOME", "/h")).CacheDir);
        Assert.Equal(Path.Combine("/x", "huggingface", "hub"), FromEnv(("XDG_CACHE_HOME", "/x")).CacheDir);
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal(Path.Combine(home, ".cache", "huggingface", "hub"), FromEnv().CacheDir);
    }

    [Fact]
    public void Endpoint_TokenOfflineAndTimeout_FromEnvironment()
    {
        var options = FromEnv(("HF_ENDPOINT", "https://mirror.example/"), ("HF_TOKEN", "hf_abc"),
            ("HF_HUB_OFFLINE", "1"), ("HF_HUB_DOWNLOAD_TIMEOUT", "2.5"), ("HF_HOME", "/nonexistent-hf-home"));

        Assert.Equal("https://mirror.example", options.Endpoint);
        Assert.Equal("hf_abc", options.Token);
        Assert.True(options.Offline);
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.Timeout);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("YES", true)]
    [InlineData("0", false)]
    [InlineData("false", false)]
    public void Offline_AcceptsPythonsTruthyValues(string value, bool expected) =>
        Assert.Equal(expected, FromEnv(("HF_HUB_OFFLINE", value), ("HF_HOME", "/nonexistent-hf-home")).Offline);

    [Fact]
    public void Token_FallsBackToTheLoginTokenFile()
    {
        using var temp = new TempDir();
        File.WriteAllText(Path.Combine(temp.Path, "token"), "hf_saved\n");

        Assert.Equal("hf_saved", FromEnv(("HF_HOME", temp.Path)).Token);
        Assert.Equal("hf_env", FromEnv(("HF_HOME", temp.Path), ("HF_TOKEN", "hf_env")).Token);
    }

    [Fact]
    public void Endpoint_TrailingSlashIsTrimmed_WhenSetDirectly()
    {
        var options = FromEnv(("HF_HOME", "/nonexistent-hf-home")) with { Endpoint = "http://127.0.0.1:1234/" };
        Assert.Equal("http://127.0.0.1:1234", options.Endpoint);
    }
}
