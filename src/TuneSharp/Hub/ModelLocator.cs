namespace TuneSharp.Hub;

/// <summary>
/// Turns what a user typed as a model ("./my-model", "/data/bert", "org/name", "org/name@revision", or a legacy
/// bare hub id such as "bert-base-uncased") into a local folder: an existing folder is used as it is, a hub id is
/// downloaded (or found in the cache). When neither works, the error names both what was looked for on disk (its
/// full path) and on the hub, and how to get the model without a network.
/// </summary>
public static class ModelLocator
{
    /// <summary>
    /// Returns <paramref name="modelNameOrPath"/> unchanged when it is an existing folder; otherwise, when it
    /// has the shape of a hub id ("org/name" or a bare legacy "name", optionally "@revision"), downloads the model files
    /// (<see cref="HubClient.DefaultModelPatterns"/>) and returns the snapshot folder. Blocks until done. With
    /// <see cref="HubOptions.Offline"/> only the cache is consulted; an unreachable hub fails at once.
    /// </summary>
    /// <exception cref="TuneSharpException">neither a folder nor a hub id.</exception>
    /// <exception cref="HubException">the hub id could not be found, reached, or read from the cache.</exception>
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

        string noFolder = $"there is no folder {FullPath(modelNameOrPath)}";
        if (!TryParseHubId(modelNameOrPath, out string repoId, out string? revision))
            throw new TuneSharpException(
                $"'{modelNameOrPath}' is not a folder and not a hub id: {noFolder}, and a Hugging Face hub id looks like 'org/name' " +
                "or a legacy 'name' (letters, digits, '-', '_', '.'; optionally '@revision').");

        options ??= new HubOptions();
        if (revision is not null) options = options with { Revision = revision };
        bool isLegacy = LegacyModelIds.TryGetCanonical(repoId, out string canonical);
        string renamed = isLegacy ? $" ('{repoId}' is a legacy name: the hub now calls it '{canonical}'.)" : "";
        using var client = new HubClient(options);
        try
        {
            return await client.SnapshotDownloadAsync(repoId, progress: progress, ct: ct);
        }
        catch (HubException) when (options.Offline && isLegacy && TryCached(client, canonical, options.Revision) is { } moved)
        {
            // Downloaded under its new name (by us or by Python); the bare name is only an alias for it.
            return moved;
        }
        catch (HubException e) when (options.Offline)
        {
            throw new HubException(
                $"Cannot open model '{modelNameOrPath}': {noFolder}, and offline mode is on (HF_HUB_OFFLINE) but hub id '{repoId}' " +
                $"(revision '{options.Revision}') is not in the cache at {client.Cache.Root}.{renamed} " +
                $"Unset HF_HUB_OFFLINE to download it, or {DownloadElsewhere(repoId, isLegacy ? canonical : repoId, client.Cache.Root)}",
                null, null, e);
        }
        catch (HubUnreachableException e)
        {
            string? snapshot = TryCached(client, repoId, options.Revision) ?? (isLegacy ? TryCached(client, canonical, options.Revision) : null);
            string cached = snapshot is null
                ? ""
                : $" A copy downloaded earlier is in the cache ({snapshot}): set HF_HUB_OFFLINE=1 to use it without the network.";
            throw new HubUnreachableException(
                $"Cannot open model '{modelNameOrPath}': {noFolder}, and the Hugging Face Hub at {options.Endpoint} could not be " +
                $"reached to download hub id '{repoId}' ({e.Reason}).{renamed}{cached} If you meant a local folder, check the path. " +
                $"Otherwise check the network, proxy settings and HF_ENDPOINT, or {DownloadElsewhere(repoId, isLegacy ? canonical : repoId, client.Cache.Root)}",
                e.Reason, e.Url, e);
        }
        catch (HubException e) when (e.StatusCode == 404)
        {
            // The user may have meant a local folder; say that none exists either. A mirror at HF_ENDPOINT may not
            // redirect legacy names as huggingface.co does: name the new id.
            string tryCanonical = isLegacy ? $" '{repoId}' is a legacy name the hub redirects to '{canonical}'; try that id." : "";
            throw new HubException($"{e.Message} Also, {noFolder}.{tryCanonical}", e.StatusCode, e.Url, e);
        }
    }

    /// <summary>
    /// Splits "org/name", "name" or either with "@revision" when it is shaped like a hub id. Things that are clearly
    /// paths (rooted, starting with '.' or '~', with backslashes or spaces, more than one '/') are not hub ids. A bare
    /// "name" is a hub id as in transformers: the hub still serves its oldest models under such names
    /// ("bert-base-uncased", "gpt2") by redirecting to their organisation's id.
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
        return repoId.Count(c => c == '/') <= 1 && !Path.IsPathRooted(repoId) && HubCache.IsValidRepoId(repoId);
    }

    private static string? TryCached(HubClient client, string repoId, string revision) =>
        client.Cache.TryResolveCommit(repoId, revision) is { } commit && Directory.Exists(client.Cache.SnapshotFolder(repoId, commit))
            ? client.Cache.SnapshotFolder(repoId, commit)
            : null;

    private static string DownloadElsewhere(string repoId, string downloadId, string cacheRoot) =>
        $"download it where the hub is reachable (`huggingface-cli download {downloadId}`) and copy that cache's " +
        $"models--{downloadId.Replace("/", "--")} folder into {cacheRoot} (then HF_HUB_OFFLINE=1 finds it{(downloadId != repoId ? $" under '{repoId}' too" : "")}), " +
        "or pass the downloaded model folder itself.";

    private static string FullPath(string path)
    {
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or PathTooLongException or NotSupportedException)
        {
            return path;
        }
    }
}
