using TuneSharp.Data;
using TuneSharp.Tasks.CausalLm;
using TuneSharp.Tokenization;

namespace TuneSharp.Tests.Tasks.CausalLm;

/// <summary>run_clm's group_texts: documents with BOS and EOS, concatenated, cut into blocks.</summary>
public class DocumentBlocksTests
{
    private static TextTokenizer Tokenizer() => TextTokenizer.FromPretrained(SharedData.RequireModel("stories260K"));

    private static readonly string[] Documents =
    [
        "Once upon a time there was a little girl.", "She liked to play outside.", "One day she found a big red ball in the park.",
        "The end.",
    ];

    [SkippableFact]
    public void Each_document_gets_the_tokenizers_bos_and_an_eos()
    {
        var tokenizer = Tokenizer();

        var ids = DocumentBlocks.TokenizeDocument(tokenizer, "The end.");

        Assert.Equal(tokenizer.SpecialTokens.BosId, ids[0]);
        Assert.Equal(tokenizer.SpecialTokens.EosId, ids[^1]);
        Assert.Equal(tokenizer.Encode("The end.", options: new EncodeOptions { AddSpecialTokens = false }).InputIds, ids[1..^1]);
    }

    [SkippableFact]
    public void Blocks_concatenate_to_the_documents_ids_minus_the_dropped_tail()
    {
        var tokenizer = Tokenizer();
        var stream = Documents.SelectMany(d => DocumentBlocks.TokenizeDocument(tokenizer, d)).ToArray();
        const int blockSize = 16;

        var built = DocumentBlocks.Build(Documents, tokenizer, blockSize);

        var full = stream.Length / blockSize;
        Assert.True(full >= 2 && stream.Length % blockSize > 0, "the test needs several blocks and a partial tail");
        Assert.Equal(full, built.Examples.Count);
        Assert.All(built.Examples, b => Assert.Equal(blockSize, b.InputIds.Length));
        Assert.All(built.Examples, b => Assert.Equal(b.InputIds, b.Labels));
        Assert.Equal(stream[..(full * blockSize)], built.Examples.SelectMany(b => b.InputIds));
        Assert.Equal(stream.Length % blockSize, built.Summary.DroppedTailTokens);
        Assert.Equal(full * blockSize, built.Summary.Tokens);
        Assert.Equal(full * (blockSize - 1), built.Summary.TrainedTokens);
        Assert.Equal($"4 documents: {full * blockSize} tokens in {full} blocks of 16 tokens (the last {stream.Length % blockSize} tokens, less than a block, were dropped)",
            built.Summary.ToString());
    }

    [SkippableFact]
    public void Data_shorter_than_one_block_is_kept_as_one_shorter_block()
    {
        var tokenizer = Tokenizer();
        var stream = Documents.SelectMany(d => DocumentBlocks.TokenizeDocument(tokenizer, d)).ToArray();

        var built = DocumentBlocks.Build(Documents, tokenizer, stream.Length + 10);

        Assert.Equal(stream, Assert.Single(built.Examples).InputIds);
        Assert.Equal(0, built.Summary.DroppedTailTokens);
    }

    [SkippableFact]
    public void An_exact_multiple_drops_nothing()
    {
        var tokenizer = Tokenizer();
        var length = DocumentBlocks.TokenizeDocument(tokenizer, Documents[0]).Length;

        var built = DocumentBlocks.Build([Documents[0], Documents[0]], tokenizer, length);

        Assert.Equal(2, built.Examples.Count);
        Assert.Equal(built.Examples[0].InputIds, built.Examples[1].InputIds);
        Assert.Equal(0, built.Summary.DroppedTailTokens);
    }

    [SkippableFact]
    public void The_builder_cuts_a_plain_text_file_into_blocks()
    {
        var tokenizer = Tokenizer();
        using var dir = new TempDir();
        var path = dir.File("stories.txt");
        File.WriteAllLines(path, Documents);

        var built = CausalLmExampleBuilder.Build(CausalLmData.Load(new CausalLmDataOptions { Path = path }), tokenizer, null, new CausalLmExampleOptions { BlockSize = 16 });

        Assert.Equal(DocumentBlocks.Build(Documents, tokenizer, 16).Examples.Select(e => e.InputIds), built.Examples.Select(e => e.InputIds));
        Assert.False(built.Summary.Conversational);
    }

    [SkippableFact]
    public void A_block_size_below_two_is_refused()
    {
        var e = Assert.Throws<TuneSharpException>(() => DocumentBlocks.Build(Documents, Tokenizer(), 1));

        Assert.Equal("block_size", e.Setting);
    }
}
