using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace TuneSharp.Hub;

/// <summary>
/// HTTP plumbing shared by the hub client: one <see cref="HttpClient"/> without automatic redirects
/// (so the hub's own headers on an LFS redirect stay readable and the token is never forwarded to a
/// CDN), bounded retries with exponential backoff, per-request timeouts, and errors that say what failed.
/// </summary>
internal sealed class HubHttp : IDisposable
{
    private const int MaxRedirects = 10;
    private readonly HttpClient _http;
    private readonly HubOptions _options;
    private readonly Uri _endpoint;

    public HubHttp(HubOptions options)
    {
        _options = options;
        if (!Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != "http" && endpoint.Scheme != "https"))
            throw new HubException($"Hub endpoint '{options.Endpoint}' (HF_ENDPOINT) is not an http(s) URL.");
        _endpoint = endpoint;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,   // Content-Length must be the file's size
            ConnectTimeout = options.Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        // Timeouts are applied per request phase below; a whole-request limit would kill large downloads.
        _http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("TuneSharp/1.0");
    }

    /// <summary>The endpoint URL for a path such as "api/models/org/name/revision/main".</summary>
    public Uri EndpointUrl(string relativePath) => new(_options.Endpoint + "/" + relativePath);

    /// <summary>
    /// Sends one request and follows redirects by hand. <paramref name="stopAt"/> may end the chain early
    /// and return a redirect response itself (used to read the hub's headers before it sends us to a CDN).
    /// The returned response has only its headers read; the caller disposes it.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, long? rangeStart,
        Func<HttpResponseMessage, Uri, bool>? stopAt, CancellationToken ct)
    {
        for (int hop = 0; ; hop++)
        {
            var request = new HttpRequestMessage(method, url);
            if (_options.Token is { } token && IsEndpointOrigin(url))
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.AcceptEncoding.ParseAdd("identity");
            if (rangeStart is > 0) request.Headers.Range = new RangeHeaderValue(rangeStart, null);

            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!IsRedirect(response.StatusCode) || response.Headers.Location is not { } location) return response;
            var next = location.IsAbsoluteUri ? location : new Uri(url, location);
            if (stopAt?.Invoke(response, next) == true) return response;
            response.Dispose();
            if (hop >= MaxRedirects) throw new HubException($"Too many redirects starting from {url}.", null, url.ToString());
            url = next;
        }
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> until it succeeds, retrying timeouts, connections lost midway and
    /// <see cref="TransientHttpException"/>s (5xx, 429, a body cut short) at most <see cref="HubOptions.MaxRetries"/>
    /// times with doubling waits. A host that does not resolve, refuses the connection or has no route fails at once
    /// (<see cref="IsUnreachable"/>). Each attempt gets a token that also fires after <see cref="HubOptions.Timeout"/>
    /// unless the attempt extends it through the <see cref="AttemptTimer"/>.
    /// </summary>
    /// <exception cref="HubUnreachableException">no answer: unreachable, or every attempt failed to connect or timed out.</exception>
    /// <exception cref="HubException">the server kept answering 5xx/429, or answered with an error.</exception>
    public async Task<T> WithRetriesAsync<T>(string url, Func<AttemptTimer, Task<T>> attempt, CancellationToken ct)
    {
        int attempts = Math.Max(0, _options.MaxRetries) + 1;
        Exception? last = null;
        TimeSpan? retryAfter = null;
        for (int i = 0; i < attempts; i++)
        {
            if (i > 0) await Task.Delay(Backoff(i, retryAfter), ct);
            retryAfter = null;
            using var timer = new AttemptTimer(_options.Timeout, ct);
            try
            {
                return await attempt(timer);
            }
            catch (TransientHttpException e) { last = e; retryAfter = e.RetryAfter; }
            catch (HttpRequestException e) when (IsUnreachable(e))
            {
                // Offline, a mistyped HF_ENDPOINT, a server that is down: the next attempt gets the same answer, and
                // waiting 1+2+4+8 s for it made every offline run hang 15 s before saying so.
                throw new HubUnreachableException(
                    $"Could not reach {url}: {Describe(e)}. Check the network, proxy settings and HF_ENDPOINT, or set HF_HUB_OFFLINE=1 to use only cached files.",
                    Describe(e), url, e);
            }
            catch (HttpRequestException e) { last = e; }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                last = new TimeoutException($"no response within {_options.Timeout.TotalSeconds:0.#} s");
            }
        }
        int? status = (last as TransientHttpException)?.StatusCode;
        string message = $"Could not download {url} after {attempts} attempt(s): {Describe(last!)}. ";
        string advice = status is >= 500 or 429
            ? "The server is busy or failing; try again later"
            : "Check the network, proxy settings and HF_ENDPOINT";
        message += $"{advice}, or set HF_HUB_OFFLINE=1 to use only cached files.";
        // No answer at all (timeouts, failed connections) is the unreachable case; a server that answered badly is not.
        if (last is HttpRequestException or TimeoutException) throw new HubUnreachableException(message, Describe(last), url, last);
        throw new HubException(message, status, url, last);
    }

    /// <summary>
    /// True for failures where no server is there to answer: the name does not resolve (including the resolver's
    /// "try again", which is what an offline machine reports), the connection is refused, or there is no route.
    /// Timeouts and connections dropped after they were made are not: those are retried.
    /// </summary>
    internal static bool IsUnreachable(HttpRequestException e) =>
        e.HttpRequestError == HttpRequestError.NameResolutionError
        || e.InnerException is SocketException
        {
            SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData or SocketError.ConnectionRefused
                or SocketError.NetworkUnreachable or SocketError.HostUnreachable or SocketError.NetworkDown or SocketError.AddressNotAvailable,
        };

    /// <summary>
    /// Throws for an unsuccessful answer: 5xx and 429 as retryable, other codes as a <see cref="HubException"/>
    /// that explains them for the repo / file being fetched.
    /// </summary>
    public void EnsureSuccess(HttpResponseMessage response, string url, string repoId, string revision, string? repoFile)
    {
        int code = (int)response.StatusCode;
        if (code is >= 200 and < 400) return;
        if (code >= 500 || code == 429)
            throw new TransientHttpException($"HTTP {code} {response.ReasonPhrase}", code, RetryAfter(response));

        string errorCode = Header(response, "X-Error-Code") ?? "";
        string serverSays = Header(response, "X-Error-Message") is { } m ? $" Server says: {m.TrimEnd('.')}." : "";
        string message = code switch
        {
            401 or 403 when errorCode == "GatedRepo" =>
                $"'{repoId}' is a gated repo (HTTP {code}): accept its conditions on {_options.Endpoint}/{repoId}, then set HF_TOKEN "
                + (_options.Token is null ? "to a token of that account." : "(the token sent has no access yet)."),
            401 or 403 when _options.Token is null =>
                $"Access to '{repoId}' was refused (HTTP {code}): it is gated or private: set HF_TOKEN to a token with access (or check the repo id).",
            401 or 403 =>
                $"Access to '{repoId}' was refused (HTTP {code}) with the token from HF_TOKEN: the repo is gated or private and this token has no read access to it.",
            404 when errorCode == "RevisionNotFound" =>
                $"Revision '{revision}' not found in '{repoId}' on {_options.Endpoint} (HTTP 404).",
            404 when repoFile is not null && errorCode != "RepoNotFound" =>
                $"File '{repoFile}' not found in '{repoId}' at revision '{revision}' (HTTP 404).",
            404 =>
                $"Repository '{repoId}' not found on {_options.Endpoint} (HTTP 404): check the repo id.",
            _ => $"HTTP {code} {response.ReasonPhrase} from {url}.",
        };
        throw new HubException(message + serverSays, code, url);
    }

    /// <summary>A single header value, or null.</summary>
    public static string? Header(HttpResponseMessage response, string name) =>
        // NonValidated: an unquoted ETag is still an ETag to us, even if it breaks the HTTP grammar.
        response.Headers.NonValidated.TryGetValues(name, out var values) || response.Content.Headers.NonValidated.TryGetValues(name, out values)
            ? values.FirstOrDefault()
            : null;

    public bool IsEndpointOrigin(Uri url) =>
        Uri.Compare(url, _endpoint, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    public static bool IsRedirect(HttpStatusCode code) =>
        code is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private TimeSpan Backoff(int retry, TimeSpan? retryAfter)
    {
        var doubled = TimeSpan.FromTicks(_options.RetryDelay.Ticks * (1L << Math.Min(retry - 1, 20)));
        var wait = retryAfter ?? doubled;
        return wait < _options.MaxRetryDelay ? wait : _options.MaxRetryDelay;
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter?.Delta ?? (response.Headers.RetryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);

    private static string Describe(Exception e)
    {
        // HttpRequestException wraps the socket error ("Connection refused (127.0.0.1:1)") one level down.
        string inner = e.InnerException is { } i && !e.Message.Contains(i.Message) ? $" ({i.Message})" : "";
        return e.Message.TrimEnd('.') + inner;
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>A failure worth retrying: a 5xx/429 answer or a connection lost in the middle of a body.</summary>
internal sealed class TransientHttpException(string message, int? statusCode = null, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    public int? StatusCode { get; } = statusCode;
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>
/// Cancellation for one attempt: the caller's token, or no progress for the configured timeout.
/// Long downloads call <see cref="Restart"/> after each read so only a stall times out.
/// </summary>
internal sealed class AttemptTimer : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly TimeSpan _timeout;

    public AttemptTimer(TimeSpan timeout, CancellationToken ct)
    {
        _timeout = timeout;
        _source = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _source.CancelAfter(timeout);
    }

    public CancellationToken Token => _source.Token;

    public void Restart() => _source.CancelAfter(_timeout);

    public void Dispose() => _source.Dispose();
}
