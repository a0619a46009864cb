namespace TuneSharp.Tokenization;

/// <summary>
/// Picks the tokenizer implementation for a Hugging Face model folder from the files it contains, in the order
/// transformers prefers them: tokenizer.json (the full fast-tokenizer pipeline), vocab.txt (WordPiece),
/// vocab.json + merges.txt (byte-level BPE), a SentencePiece model (tokenizer.model, sentencepiece.bpe.model, spm.model,
/// spiece.model; which slow tokenizer's conventions apply is decided by <see cref="SentencePieceTokenizer.Create"/>).
/// </summary>
internal static class TokenizerLoader
{
    private static readonly string[] SupportedFiles =
    {
        "tokenizer.json", WordPieceTokenizer.VocabFileName, "vocab.json + merges.txt",
        $"{string.Join(" / ", SentencePieceTokenizer.ModelFileNames)} (SentencePiece)",
    };

    /// <summary>True when <paramref name="modelDir"/> holds any tokenizer file <see cref="Load"/> understands.</summary>
    public static bool HasTokenizerFiles(string modelDir)
    {
        bool Has(string name) => File.Exists(Path.Combine(modelDir, name));
        return Has("tokenizer.json") || Has(WordPieceTokenizer.VocabFileName) || (Has("vocab.json") && Has("merges.txt"))
            || SentencePieceTokenizer.HasModelFile(modelDir);
    }

    public static TextTokenizer Load(string modelDir)
    {
        ArgumentNullException.ThrowIfNull(modelDir);
        if (!Directory.Exists(modelDir))
            throw new TuneSharpException($"Cannot load a tokenizer: the folder {modelDir} does not exist.");

        bool Has(string name) => File.Exists(Path.Combine(modelDir, name));
        var config = TokenizerConfig.Load(modelDir);

        if (Has("tokenizer.json")) return LoadTokenizerJson(modelDir, config);
        if (Has(WordPieceTokenizer.VocabFileName)) return WordPieceTokenizer.Create(modelDir, config);
        if (Has("vocab.json") && Has("merges.txt")) return LoadByteLevelBpe(modelDir, config);
        if (SentencePieceTokenizer.HasModelFile(modelDir)) return SentencePieceTokenizer.Create(modelDir, config);

        var present = Directory.EnumerateFileSystemEntries(modelDir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        string hint = Has("vocab.json") ? " (vocab.json was found but merges.txt, which byte-level BPE also needs, was not)"
                    : Has("merges.txt") ? " (merges.txt was found but vocab.json, which byte-level BPE also needs, was not)"
                    : "";
        throw new TuneSharpException(
            $"No tokenizer file in {modelDir}{hint}. Supported: {string.Join(", ", SupportedFiles)}. " +
            $"The folder contains: {(present.Count == 0 ? "nothing" : string.Join(", ", present))}.");
    }

    // Implemented by the tokenizer.json / byte-level BPE side (TokenizerJsonLoader.cs, ByteLevelBpeTokenizer.cs).
    private static TextTokenizer LoadTokenizerJson(string modelDir, TokenizerConfig config) => TokenizerJsonLoader.Load(modelDir, config);

    private static TextTokenizer LoadByteLevelBpe(string modelDir, TokenizerConfig config) => ByteLevelBpeTokenizer.Create(modelDir, config);
}
