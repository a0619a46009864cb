using TuneSharp.Hub;

namespace TuneSharp.Tests.Hub;

/// <summary>Options and helpers that keep every hub test on loopback and bounded in time.</summary>
internal static class HubTestSupport
{
    /// <summary>Options for the fake hub: no environment influence, short timeouts and retry waits.</summary>
    public static HubOptions Options(string endpoint, string cacheDir, int maxRetries = 2) =>
        new HubOptions(_ => null)
        {
            Endpoint = endpoint,
            CacheDir = cacheDir,
            Timeout = TimeSpan.FromSeconds(5),
            MaxRetries = maxRetries,
            RetryDelay = TimeSpan.FromMilliseconds(10),
            MaxRetryDelay = TimeSpan.FromMilliseconds(50),
        };

    /// <summary>A token that ends any test call after 60 s instead of hanging.</summary>
    public static CancellationToken Deadline() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    /// <summary>An endpoint on loopback where nothing listens (a port just released).</summary>
    public static string DeadEndpoint()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }
}

/// <summary>Records progress reports synchronously (Progress&lt;T&gt; would post them to the thread pool, out of order).</summary>
internal sealed class RecordingProgress : IProgress<DownloadProgress>
{
    private readonly List<DownloadProgress> _reports = [];

    public IReadOnlyList<DownloadProgress> Reports
    {
        get { lock (_reports) return _reports.ToList(); }
    }

    public void Report(DownloadProgress value)
    {
        lock (_reports) _reports.Add(value);
    }
}
