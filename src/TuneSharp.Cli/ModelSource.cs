using TuneSharp.Hub;

namespace TuneSharp.Cli;

/// <summary>Turns a --model value into a local folder: an existing folder as is, or a hub id ("org/name[@rev]") downloaded into the cache.</summary>
internal static class ModelSource
{
    public static string Resolve(CliOutput io, string modelNameOrPath)
    {
        if (Directory.Exists(modelNameOrPath)) return modelNameOrPath;
        if (!ModelLocator.TryParseHubId(modelNameOrPath, out _, out _))
            throw new TuneSharpException($"Model folder '{modelNameOrPath}' does not exist (and it is not a hub id like 'org/name').");
        var lastFile = "";
        var progress = new Progress<DownloadProgress>(p =>
        {
            if (p.FileName != lastFile && !p.FromCache) { io.Err.WriteLine($"downloading {p.RepoId}/{p.FileName} ..."); lastFile = p.FileName; }
        });
        return ModelLocator.Resolve(modelNameOrPath, progress: progress);
    }
}
