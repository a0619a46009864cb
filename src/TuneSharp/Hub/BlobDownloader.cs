using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace TuneSharp.Hub;

/// <summary>What the hub says about one file at one revision (from a HEAD on its resolve URL).</summary>
internal sealed record RemoteFile(string RepoFile, string Commit, string Etag, long? Size, Uri DownloadUrl);

/// <summary>
/// Downloads one file's bytes into <c>blobs/{etag}</c> atomically and resumably: bytes go to
/// <c>{etag}.incomplete</c>, a later attempt (or a later run) continues it with a Range request, and
/// only a file of the announced size (and, for LFS files, the sha256 named by the ETag) is renamed into place.
/// </summary>
internal sealed partial class BlobDownloader(HubHttp http)
{
    private const int BufferSize = 256 * 1024;
    private const long ReportEveryBytes = 1L << 20;

    /// <summary>Downloads <paramref name="file"/> to <paramref name="blobPath"/> unless it is already there.</summary>
    public async Task DownloadAsync(string repoId, RemoteFile file, string blobPath, Action<long, long?> report, CancellationToken ct)
    {
        if (File.Exists(blobPath)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(blobPath)!);
        string incomplete = blobPath + ".incomplete";
        string url = file.DownloadUrl.ToString();

        await http.WithRetriesAsync(url, timer => DownloadAttemptAsync(repoId, file, incomplete, report, timer), ct);

        if (IsSha256(file.Etag))
        {
            string actual = await Sha256HexAsync(incomplete, ct);
            if (actual != file.Etag)
            {
                // A corrupt partial must not be resumed next time.
                File.Delete(incomplete);
                throw new HubException(
                    $"Checksum mismatch for '{file.RepoFile}' of '{repoId}': expected sha256 {file.Etag}, got {actual}. The download was discarded; try again.",
                    null, url);
            }
        }
        File.Move(incomplete, blobPath, overwrite: true);
    }

    /// <summary>True for an ETag that is a sha256 (LFS files); those are verified after download.</summary>
    public static bool IsSha256(string etag) => Sha256Pattern().IsMatch(etag);

    private async Task<bool> DownloadAttemptAsync(string repoId, RemoteFile file, string incomplete, Action<long, long?> report, AttemptTimer timer)
    {
        FileStream output;
        try
        {
            // FileShare.None also locks the partial file against a second process downloading the same blob.
            output = new FileStream(incomplete, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, BufferSize, useAsync: true);
        }
        catch (IOException e)
        {
            throw new HubException($"Cannot write '{incomplete}' (is another download of '{file.RepoFile}' running?): {e.Message}", inner: e);
        }
        await using var _ = output;

        long have = output.Length;
        if (file.Size is { } size && have > size) { output.SetLength(0); have = 0; }
        report(have, file.Size);
        if (file.Size is { } expected && have == expected) return true;   // finished earlier, not yet verified

        using var response = await http.SendAsync(HttpMethod.Get, file.DownloadUrl, have, stopAt: null, timer.Token);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            output.SetLength(0);
            throw new TransientHttpException($"server refused to resume at byte {have}; restarting from the beginning", 416);
        }
        http.EnsureSuccess(response, file.DownloadUrl.ToString(), repoId, file.Commit, file.RepoFile);

        long start = response.StatusCode == HttpStatusCode.PartialContent ? response.Content.Headers.ContentRange?.From ?? -1 : 0;
        if (start != have)
        {
            // The server ignored or misanswered the Range request: take its bytes from the beginning.
            if (start != 0) throw new TransientHttpException($"server resumed at byte {start} instead of {have}");
            have = 0;
        }
        output.SetLength(have);
        output.Seek(have, SeekOrigin.Begin);
        long total = file.Size ?? (response.Content.Headers.ContentLength is { } length ? have + length : -1);

        await using var body = await response.Content.ReadAsStreamAsync(timer.Token);
        var buffer = new byte[BufferSize];
        long lastReport = have;
        while (true)
        {
            timer.Restart();
            int read;
            try
            {
                read = await body.ReadAsync(buffer, timer.Token);
            }
            catch (IOException e)
            {
                // Connection reset or body cut short: keep what arrived; the next attempt resumes from there.
                throw new TransientHttpException($"connection lost after {have} bytes: {e.Message}", inner: e);
            }
            if (read == 0) break;
            await output.WriteAsync(buffer.AsMemory(0, read), timer.Token);
            have += read;
            if (have - lastReport >= ReportEveryBytes) { report(have, file.Size); lastReport = have; }
        }
        await output.FlushAsync(timer.Token);
        if (total >= 0 && have != total)
            throw new TransientHttpException($"received {have} of {total} bytes");
        report(have, file.Size ?? have);
        return true;
    }

    private static async Task<string> Sha256HexAsync(string path, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();
}
