using TuneSharp.Tokenization;

namespace TuneSharp.Tasks.TextClassification;

/// <summary>Copies a tokenizer's files next to a saved model so the folder loads on its own.</summary>
public static class TokenizerFiles
{
    /// <summary>
    /// Copies <see cref="TextTokenizer.SourceFiles"/> from <paramref name="sourceDir"/> (the folder the tokenizer was
    /// loaded from) into <paramref name="destinationDir"/>. Files that do not exist in the source are skipped.
    /// </summary>
    public static void Copy(TextTokenizer tokenizer, string sourceDir, string destinationDir)
    {
        Directory.CreateDirectory(destinationDir);
        foreach (var name in tokenizer.SourceFiles)
        {
            var from = Path.Combine(sourceDir, name);
            var to = Path.Combine(destinationDir, name);
            if (File.Exists(from) && Path.GetFullPath(from) != Path.GetFullPath(to)) File.Copy(from, to, overwrite: true);
        }
    }
}
