namespace TuneSharp.Tokenization;

/// <summary>
/// The one check made wherever a tokenizer meets a model: every id the tokenizer can produce must have a row in the
/// model's input embedding table. A tokenizer from another model (or a vocabulary with added tokens the model was
/// never resized for) would otherwise fail deep inside the embedding lookup with an index error, or not at all on
/// texts that happen to avoid the high ids. A table larger than the vocabulary is normal (vocabularies padded to a
/// multiple of 8 or 64) and accepted.
/// </summary>
public static class TokenizerModelCheck
{
    /// <exception cref="TuneSharpException">The tokenizer has more ids than the embedding table has rows; the message
    /// names the tokenizer files, the model's config.json and both sizes.</exception>
    /// <param name="tokenizer">the loaded tokenizer.</param>
    /// <param name="embeddingRows">rows of the model's input embedding table (its config's vocab_size).</param>
    /// <param name="modelDir">the model folder, named in the message when known.</param>
    public static void EnsureIdsFitEmbeddings(TextTokenizer tokenizer, long embeddingRows, string? modelDir = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.VocabSize <= embeddingRows) return;
        var files = tokenizer.SourceFiles.Count > 0 ? string.Join(" + ", tokenizer.SourceFiles) : "the tokenizer files";
        var where = modelDir is null ? "" : $" in {modelDir}";
        var config = modelDir is null ? "the model's config" : $"config.json{where}";
        throw new TuneSharpException(
            $"The tokenizer ({files}{where}) has {tokenizer.VocabSize} tokens (ids 0-{tokenizer.VocabSize - 1}) but the model's input " +
            $"embedding table has only {embeddingRows} rows ({config}: vocab_size = {embeddingRows}); ids from {embeddingRows} up would " +
            "index past it. Use the tokenizer that belongs to this model, or resize the model's embeddings to the tokenizer.");
    }
}
