using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TuneSharp.Tests.Hub;

/// <summary>One request as the loopback server received it (header names are case-insensitive).</summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>What the loopback server answers. <see cref="CloseAfterBodyBytes"/> cuts the body short and drops the connection.</summary>
public sealed class CannedResponse
{
    public int Status { get; init; } = 200;
    public Dictionary<string, string> Headers { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    public byte[] Body { get; init; } = [];
    /// <summary>Announce the full Content-Length but send only this many body bytes, then close.</summary>
    public int? CloseAfterBodyBytes { get; init; }
}

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 and a free port, built on TcpListener (nothing else is reachable
/// from tests). Every answer closes its connection. The accept loop ends when the server is disposed, and
/// each connection gives up after a few seconds, so no test can hang on it.
/// </summary>
public sealed class LoopbackHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<RecordedRequest, CannedResponse> _handler;
    private readonly List<RecordedRequest> _requests = [];
    private readonly Task _acceptLoop;

    public LoopbackHttpServer(Func<RecordedRequest, CannedResponse> handler)
    {
        _handler = handler;
        _listener.Start();
        BaseUrl = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>"http://127.0.0.1:{port}", without a trailing slash.</summary>
    public string BaseUrl { get; }

    /// <summary>Every request received so far, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get { lock (_requests) return _requests.ToList(); }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            var stream = client.GetStream();
            var request = await ReadRequestAsync(stream, timeout.Token);
            if (request is null) return;
            lock (_requests) _requests.Add(request);

            CannedResponse response;
            try { response = _handler(request); }
            catch (Exception e) { response = new CannedResponse { Status = 500, Body = Encoding.UTF8.GetBytes(e.ToString()) }; }

            var head = new StringBuilder($"HTTP/1.1 {response.Status} {ReasonPhrase(response.Status)}\r\n");
            foreach (var (name, value) in response.Headers) head.Append($"{name}: {value}\r\n");
            head.Append($"Content-Length: {response.Body.Length}\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), timeout.Token);
            if (request.Method != "HEAD")
            {
                int count = Math.Min(response.CloseAfterBodyBytes ?? response.Body.Length, response.Body.Length);
                await stream.WriteAsync(response.Body.AsMemory(0, count), timeout.Token);
            }
            await stream.FlushAsync(timeout.Token);
            client.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or the test ended; nothing to answer.
        }
    }

    private static async Task<RecordedRequest?> ReadRequestAsync(NetworkStream stream, CancellationToken ct)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        while (!EndsHeaders(received))
        {
            int read = await stream.ReadAsync(buffer, ct);
            if (read == 0 || received.Count > 64 * 1024) return null;
            received.AddRange(buffer.AsSpan(0, read));
        }
        string[] lines = Encoding.ASCII.GetString(received.ToArray()).Split("\r\n");
        string[] requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in lines.Skip(1).TakeWhile(l => l.Length > 0))
        {
            int colon = line.IndexOf(':');
            if (colon > 0) headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        return new RecordedRequest(requestLine[0], requestLine[1], headers);
    }

    private static bool EndsHeaders(List<byte> bytes)
    {
        for (int i = 3; i < bytes.Count; i++)
            if (bytes[i - 3] == '\r' && bytes[i - 2] == '\n' && bytes[i - 1] == '\r' && bytes[i] == '\n') return true;
        return false;
    }

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK", 206 => "Partial Content", 302 => "Found", 307 => "Temporary Redirect", 401 => "Unauthorized",
        403 => "Forbidden", 404 => "Not Found", 416 => "Range Not Satisfiable", 500 => "Internal Server Error",
        503 => "Service Unavailable", _ => "Status",
    };

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _acceptLoop.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
