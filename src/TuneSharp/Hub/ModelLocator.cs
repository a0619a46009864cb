namespace TuneSharp.Hub;

/// <summary>
/// Turns what a user typed as a model ("./my-model", "/data/bert", "org/name", "org/name@revision") into a
/// local folder: an existing folder is used as it is, a hub id is downloaded (or found in the cache).
/// </summary>
public static class ModelLocator
{
    /// <summary>
    /// Returns <paramref name="modelNameOrPath"/> unchanged when it is an existing folder; otherwise, when it
    /// has the shape of a hub id ("org/name", optionally "@revision"), downloads the model files
    /// (<see cref="HubClient.DefaultModelPatterns"/>) and returns the snapshot folder. Blocks until done.
    /// </summary>
    public static string Resolve(string modelNameOrPath, HubOptions? options = null, IProgress<DownloadProgress>? progress = null,
        CancellationToken ct = default) =>
        // Task.Run keeps a caller's synchronization context (UI, old ASP.NET) from deadlocking on the wait.
        Task.Run(() => ResolveAsync(modelNameOrPath, options, progress, ct), ct).GetAwaiter().GetResult();

    /// <inheritdoc cref="Resolve"/>
    public static async Task<string> ResolveAsync(string modelNameOrPath, HubOptions? options = null,
        IProgress<DownloadProgress>? progress = null, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(modelNameOrPath))
            throw new TuneSharpException("No model given: expected a local model folder or a Hugging Face hub id such as 'org/name'.");
        if (Directory.Exists(modelNameOrPath)) return modelNameOrPath;
        if (File.Exists(modelNameOrPath))
            throw new TuneSharpException($"'{modelNameOrPath}' is a file; expected the model's folder (the one holding config.json).");

        if (!TryParseHubId(modelNameOrPath, out string repoId, out string? revision))
            throw new TuneSharpException(
                $"'{modelNameOrPath}' is not a folder and not a hub id: no such folder exists, and a Hugging Face hub id looks like 'org/name' (optionally 'org/name@revision').");

        options ??= new HubOptions();
        if (revision is not null) options = options with { Revision = revision };
        using var client = new HubClient(options);
        try
        {
            return await client.SnapshotDownloadAsync(repoId, progress: progress, ct: ct);
        }
        catch (HubException e) when (e.StatusCode == 404)
        {
            // The user may have meant a local folder; say that none exists either.
            throw new HubException($"{e.Message} (No local folder '{modelNameOrPath}' exists either.)", e.StatusCode, e.Url, e);
        }
    }

    /// <summary>
    /// Splits "org/name" or "org/name@revision" when it is shaped like a hub id. Things that are clearly
    /// paths (rooted, starting with '.' or '~', with backslashes, more than one '/') are not hub ids.
    /// </summary>
    public static bool TryParseHubId(string text, out string repoId, out string? revision)
    {
        repoId = text;
        revision = null;
        int at = text.IndexOf('@');
        if (at >= 0)
        {
            revision = text[(at + 1)..];
            repoId = text[..at];
            if (revision.Length == 0 || revision.Contains('@') || revision.Contains("..")) return false;
        }
        return repoId.Count(c => c == '/') == 1 && !Path.IsPathRooted(repoId) && HubCache.IsValidRepoId(repoId);
    }
}
