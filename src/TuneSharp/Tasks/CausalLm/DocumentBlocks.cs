using TuneSharp.Tokenization;

namespace TuneSharp.Tasks.CausalLm;

/// <summary>
/// Continued pre-training's sequences, as run_clm's <c>group_texts</c>: every document tokenized (with the BOS the
/// tokenizer adds) and followed by EOS, all concatenated, and the stream cut into blocks of <c>block_size</c>.
/// </summary>
public static class DocumentBlocks
{
    /// <summary>
    /// The token ids of one document: <see cref="TextTokenizer.Encode"/> with the tokenizer's special tokens (Llama's
    /// BOS; GPT-2 adds none), then EOS unless the tokenizer already ended it with one, so the model sees where a
    /// document stops and the next begins.
    /// </summary>
    /// <exception cref="TuneSharpException">The tokenizer has no EOS token.</exception>
    public static int[] TokenizeDocument(TextTokenizer tokenizer, string document)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var eos = tokenizer.SpecialTokens.EosId ?? throw new TuneSharpException(
            "The tokenizer has no EOS token, which continued pre-training puts after every document; set eos_token in tokenizer_config.json.");
        var ids = tokenizer.Encode(document).InputIds;
        return ids.Length > 0 && ids[^1] == eos ? ids : [.. ids, eos];
    }

    /// <summary>
    /// Tokenizes <paramref name="documents"/>, concatenates them and cuts the stream into blocks of
    /// <paramref name="blockSize"/> tokens; labels are the ids. The tokens after the last full block are dropped, as
    /// run_clm drops them, except that a stream shorter than one block is kept as a single shorter block rather than
    /// giving nothing.
    /// </summary>
    public static CausalLmExamples Build(IReadOnlyList<string> documents, TextTokenizer tokenizer, int blockSize)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (blockSize < 2) throw new TuneSharpException($"block_size must be at least 2; got {blockSize}.") { Setting = "block_size" };
        var stream = new List<int>();
        foreach (var document in documents) stream.AddRange(TokenizeDocument(tokenizer, document));
        var blocks = new List<CausalLmExample>();
        var full = stream.Count / blockSize;
        for (var b = 0; b < full; b++) blocks.Add(Block(stream, b * blockSize, blockSize));
        long dropped = stream.Count - (long)full * blockSize;
        if (full == 0 && stream.Count > 0)
        {
            blocks.Add(Block(stream, 0, stream.Count));
            dropped = 0;
        }
        var summary = new CausalLmBuildSummary
        {
            Conversational = false,
            Rows = documents.Count,
            Examples = blocks.Count,
            Tokens = blocks.Sum(b => (long)b.InputIds.Length),
            TrainedTokens = blocks.Sum(b => (long)b.TrainedTokens),
            BlockSize = blockSize,
            DroppedTailTokens = dropped,
        };
        return new CausalLmExamples(blocks, summary);
    }

    private static CausalLmExample Block(List<int> stream, int start, int length)
    {
        var ids = stream.GetRange(start, length).ToArray();
        return new CausalLmExample(ids, (int[])ids.Clone());
    }
}
