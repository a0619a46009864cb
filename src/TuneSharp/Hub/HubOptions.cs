namespace TuneSharp.Hub;

/// <summary>
/// Where and how to download from the Hugging Face Hub. The parameterless constructor reads the same
/// environment variables as Python's <c>huggingface_hub</c> (HF_ENDPOINT, HF_TOKEN, HF_HUB_CACHE, HF_HOME,
/// HF_HUB_OFFLINE, HF_HUB_DOWNLOAD_TIMEOUT) so both tools share one cache and one login.
/// </summary>
public sealed record HubOptions
{
    /// <summary>The public hub, used when HF_ENDPOINT is not set.</summary>
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>Options from the process environment.</summary>
    public HubOptions() : this(Environment.GetEnvironmentVariable) { }

    /// <summary>Options from an explicit environment lookup (tests pass a dictionary's lookup).</summary>
    public HubOptions(Func<string, string?> getEnvironmentVariable)
    {
        string? Env(string name) => getEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

        Endpoint = Env("HF_ENDPOINT") ?? DefaultEndpoint;
        string hfHome = Env("HF_HOME") ?? Path.Combine(Env("XDG_CACHE_HOME") ?? Path.Combine(HomeFolder(), ".cache"), "huggingface");
        CacheDir = Env("HF_HUB_CACHE") ?? Path.Combine(hfHome, "hub");
        Token = Env("HF_TOKEN") ?? ReadSavedToken(Env("HF_TOKEN_PATH") ?? Path.Combine(hfHome, "token"));
        Offline = IsTrue(Env("HF_HUB_OFFLINE"));
        if (double.TryParse(Env("HF_HUB_DOWNLOAD_TIMEOUT"), System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out double seconds) && seconds > 0)
            Timeout = TimeSpan.FromSeconds(seconds);
    }

    /// <summary>Base URL of the hub, without a trailing slash (env HF_ENDPOINT).</summary>
    public string Endpoint { get; init => field = value.TrimEnd('/'); } = DefaultEndpoint;

    /// <summary>
    /// Access token sent as <c>Authorization: Bearer</c> to the endpoint (env HF_TOKEN, else the token file
    /// written by <c>huggingface-cli login</c>). Needed for gated and private repos.
    /// </summary>
    public string? Token { get; init; }

    /// <summary>
    /// Root of the shared cache (env HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub).
    /// Layout: models--org--name/{blobs,snapshots,refs}, as in Python's huggingface_hub.
    /// </summary>
    public string CacheDir { get; init; }

    /// <summary>Branch, tag or commit sha to download.</summary>
    public string Revision { get; init; } = "main";

    /// <summary>Never touch the network; resolve only from the cache (env HF_HUB_OFFLINE=1).</summary>
    public bool Offline { get; init; }

    /// <summary>How long to wait for a connection, for response headers, or between two reads of a body.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Extra attempts after a connection failure, a timeout or a 5xx/429 answer.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>Wait before the first retry; doubled for each later one, capped at <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound for one wait between retries.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    private static bool IsTrue(string? value) =>
        value is not null && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase)
            || value.Equals("yes", StringComparison.OrdinalIgnoreCase) || value.Equals("on", StringComparison.OrdinalIgnoreCase));

    private static string HomeFolder() => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home
        ? home
        : Path.GetTempPath();

    private static string? ReadSavedToken(string path)
    {
        try
        {
            return File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } token ? token : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
