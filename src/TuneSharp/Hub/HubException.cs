namespace TuneSharp.Hub;

/// <summary>
/// A Hugging Face Hub download failed for a reason the user can act on: the repo or file does not exist,
/// access needs a token, the network is unreachable, the server sent something unusable, or the file is
/// not cached while offline. The message names the repo, file or URL involved.
/// </summary>
public class HubException : TuneSharpException
{
    /// <summary>The HTTP status code that caused the error, when the server answered at all.</summary>
    public int? StatusCode { get; }

    /// <summary>The URL that was being requested, when the error came from a request.</summary>
    public string? Url { get; }

    public HubException(string message, int? statusCode = null, string? url = null, Exception? inner = null)
        : base(message, inner!)
    {
        StatusCode = statusCode;
        Url = url;
    }
}

/// <summary>
/// The hub gave no answer at all: its name did not resolve, the connection was refused or had no route, or every
/// attempt timed out. Distinct from <see cref="HubException"/>s with a <see cref="HubException.StatusCode"/>, where
/// the server answered, so a caller can say what else it tried (a local folder, the cache) and how to work offline.
/// </summary>
public sealed class HubUnreachableException : HubException
{
    /// <summary>What went wrong, in a few words, e.g. "Connection refused (127.0.0.1:1)".</summary>
    public string Reason { get; }

    public HubUnreachableException(string message, string reason, string? url = null, Exception? inner = null)
        : base(message, null, url, inner) => Reason = reason;
}
