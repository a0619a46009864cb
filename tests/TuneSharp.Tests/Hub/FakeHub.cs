using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace TuneSharp.Tests.Hub;

/// <summary>A file of the fake repo. LFS files are served like the real hub: a redirect to a CDN carrying X-Linked-Etag = sha256.</summary>
public sealed record FakeFile(byte[] Content, bool Lfs)
{
    public string Sha256 => Convert.ToHexStringLower(SHA256.HashData(Content));

    /// <summary>The git blob id, which the hub sends as ETag for regular files.</summary>
    public string GitBlobSha1 =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {Content.Length}\0"), .. Content]));

    public string Etag => Lfs ? Sha256 : GitBlobSha1;
}

/// <summary>
/// A stand-in for huggingface.co on two loopback servers: the hub (file list API and resolve URLs) and a
/// separate-origin "CDN" serving LFS content with Range support. Faults can be switched on per test.
/// </summary>
public sealed class FakeHub : IDisposable
{
    public const string RepoId = "test-org/tiny-model";
    public const string Commit = "0123456789abcdef0123456789abcdef01234567";

    public FakeHub(Dictionary<string, FakeFile> files)
    {
        Files = files;
        Cdn = new LoopbackHttpServer(ServeCdn);
        Hub = new LoopbackHttpServer(ServeHub);
    }

    public Dictionary<string, FakeFile> Files { get; }
    public LoopbackHttpServer Hub { get; }
    public LoopbackHttpServer Cdn { get; }

    /// <summary>When set, every hub request must carry "Authorization: Bearer {token}".</summary>
    public string? RequiredToken { get; set; }
    /// <summary>Refuse with X-Error-Code GatedRepo instead of a bare 401.</summary>
    public bool Gated { get; set; }
    /// <summary>The next N CDN downloads announce the full size, send half, and drop the connection.</summary>
    public int DropLfsHalfwayTimes { get; set; }
    /// <summary>The next N file-list requests answer 503.</summary>
    public int ListingFailuresLeft { get; set; }
    /// <summary>The CDN serves other bytes (same length) than the sha256 the hub announces.</summary>
    public bool CorruptLfs { get; set; }
    /// <summary>The CDN answers Range requests with the whole file (200), as some servers do.</summary>
    public bool IgnoreRange { get; set; }
    /// <summary>Wait this long before answering a file-list request (to exercise timeouts).</summary>
    public TimeSpan ListingDelay { get; set; }
    /// <summary>Replaces the JSON of the file-list answer.</summary>
    public string? ListingBody { get; set; }
    /// <summary>
    /// Old repo names answered, as huggingface.co answers legacy names such as "bert-base-uncased", with a 307 to the
    /// same path under the new id (API and resolve URLs alike).
    /// </summary>
    public Dictionary<string, string> RenamedRepos { get; } = new(StringComparer.Ordinal);

    public string Endpoint => Hub.BaseUrl;

    /// <summary>Requests for file content or metadata (resolve URLs and CDN), i.e. everything but the file list.</summary>
    public int FileRequestCount => Hub.Requests.Count(r => r.Path.Contains("/resolve/")) + Cdn.Requests.Count;

    public int ListingRequestCount => Hub.Requests.Count(r => r.Path.StartsWith("/api/models/"));

    /// <summary>A small repo: config.json, tokenizer.json (regular files) and a ~3 MB LFS model.safetensors.</summary>
    public static Dictionary<string, FakeFile> TinyModelFiles(int lfsBytes = 3 * 1024 * 1024 + 17)
    {
        var weights = new byte[lfsBytes];
        new Random(1234).NextBytes(weights);
        return new Dictionary<string, FakeFile>
        {
            ["config.json"] = new(Encoding.UTF8.GetBytes("{\"model_type\": \"bert\", \"hidden_size\": 8}"), false),
            ["tokenizer.json"] = new(Encoding.UTF8.GetBytes("{\"version\": \"1.0\", \"model\": {}}"), false),
            ["model.safetensors"] = new(weights, true),
        };
    }

    private CannedResponse ServeHub(RecordedRequest request)
    {
        if (RequiredToken is not null && request.Header("Authorization") != $"Bearer {RequiredToken}")
            return Gated ? Error(401, "GatedRepo", "Access to this model is restricted.") : Error(401, null, "Invalid credentials.");

        string path = Uri.UnescapeDataString(request.Path);
        const string api = "/api/models/";
        foreach (var (oldName, newName) in RenamedRepos)
        {
            foreach (var prefix in new[] { api, "/" })
            {
                if (path.StartsWith(prefix + oldName + "/", StringComparison.Ordinal))
                    return new CannedResponse { Status = 307, Headers = { ["Location"] = prefix + newName + path[(prefix.Length + oldName.Length)..] } };
            }
        }
        if (path.StartsWith(api))
        {
            int revisionAt = path.IndexOf("/revision/", StringComparison.Ordinal);
            string repo = path[api.Length..revisionAt];
            string revision = path[(revisionAt + "/revision/".Length)..];
            if (repo != RepoId) return Error(404, "RepoNotFound", "Repository not found");
            if (revision is not ("main" or Commit)) return Error(404, "RevisionNotFound", "Invalid rev id");
            if (ListingDelay > TimeSpan.Zero) Thread.Sleep(ListingDelay);
            if (ListingFailuresLeft > 0) { ListingFailuresLeft--; return new CannedResponse { Status = 503 }; }
            string json = ListingBody ?? JsonSerializer.Serialize(new
            {
                id = RepoId,
                sha = Commit,
                siblings = Files.Keys.Select(name => new { rfilename = name }),
            });
            return new CannedResponse { Body = Encoding.UTF8.GetBytes(json), Headers = { ["Content-Type"] = "application/json" } };
        }

        // /{org}/{name}/resolve/{revision}/{file path}
        string[] parts = path.TrimStart('/').Split('/', 5);
        if (parts.Length < 5 || parts[2] != "resolve") return Error(404, null, "no such route");
        if ($"{parts[0]}/{parts[1]}" != RepoId) return Error(404, "RepoNotFound", "Repository not found");
        if (parts[3] is not ("main" or Commit)) return Error(404, "RevisionNotFound", "Invalid rev id");
        if (!Files.TryGetValue(parts[4], out var file)) return Error(404, "EntryNotFound", "Entry not found");

        if (!file.Lfs)
            return new CannedResponse { Body = file.Content, Headers = { ["ETag"] = $"\"{file.GitBlobSha1}\"", ["X-Repo-Commit"] = Commit } };
        return new CannedResponse
        {
            Status = 302,
            Headers =
            {
                ["Location"] = $"{Cdn.BaseUrl}/lfs/{file.Sha256}?signature=abc",
                ["X-Linked-Etag"] = $"\"{file.Sha256}\"",
                ["X-Linked-Size"] = file.Content.Length.ToString(),
                ["X-Repo-Commit"] = Commit,
                ["ETag"] = "\"pointer-etag-must-not-be-used\"",
            },
        };
    }

    private CannedResponse ServeCdn(RecordedRequest request)
    {
        string sha = request.Path.Split('?')[0]["/lfs/".Length..];
        var file = Files.Values.FirstOrDefault(f => f.Lfs && f.Sha256 == sha);
        if (file is null) return new CannedResponse { Status = 404 };
        byte[] content = file.Content;
        if (CorruptLfs) { content = (byte[])content.Clone(); content[content.Length / 2] ^= 0xFF; }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["ETag"] = "\"cdn-etag-must-not-be-used\"" };
        int start = 0;
        string? range = IgnoreRange ? null : request.Header("Range");
        if (range is not null)
        {
            // Only the form a resuming client sends: "bytes=N-".
            start = int.Parse(range["bytes=".Length..].TrimEnd('-'));
            if (start >= content.Length) return new CannedResponse { Status = 416 };
            headers["Content-Range"] = $"bytes {start}-{content.Length - 1}/{content.Length}";
        }
        byte[] body = content[start..];
        bool drop = request.Method == "GET" && DropLfsHalfwayTimes > 0;
        if (drop) DropLfsHalfwayTimes--;
        return new CannedResponse
        {
            Status = range is null ? 200 : 206,
            Headers = headers,
            Body = body,
            CloseAfterBodyBytes = drop ? body.Length / 2 : null,
        };
    }

    private static CannedResponse Error(int status, string? errorCode, string message)
    {
        var response = new CannedResponse { Status = status, Headers = { ["X-Error-Message"] = message } };
        if (errorCode is not null) response.Headers["X-Error-Code"] = errorCode;
        return response;
    }

    public void Dispose()
    {
        Hub.Dispose();
        Cdn.Dispose();
    }
}
