using TuneSharp.Hub;

namespace TuneSharp.Cli;

/// <summary>
/// Turns a --model value into a local folder: an existing folder as is, or a hub id ("org/name[@rev]", or a legacy bare
/// "name" such as "bert-base-uncased") downloaded into the cache, printing each file it downloads.
/// </summary>
internal static class ModelSource
{
    public static string Resolve(CliOutput io, string modelNameOrPath)
    {
        if (Directory.Exists(modelNameOrPath)) return modelNameOrPath;
        // ModelLocator explains a value that is neither a folder nor a hub id, naming the full path it looked for.
        var lastFile = "";
        var progress = new Progress<DownloadProgress>(p =>
        {
            if (p.FileName != lastFile && !p.FromCache) { io.Err.WriteLine($"downloading {p.RepoId}/{p.FileName} ..."); lastFile = p.FileName; }
        });
        return ModelLocator.Resolve(modelNameOrPath, progress: progress);
    }
}
