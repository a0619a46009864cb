using System.Text.Json.Nodes;
using TuneSharp.Tokenization;

namespace TuneSharp.Tests.Tokenization;

public class ByteLevelBpeTests
{
    // A hand-made byte-level vocabulary. 'Ġ' is the alphabet's stand-in for the space byte 0x20. "é" is UTF-8 C3 A9,
    // shown as "Ã©" (both bytes are printable Latin-1 and stand for themselves). "😀" is F0 9F 98 80: F0 is 'ð';
    // 9F, 98 and 80 are unprintable and take the characters U+0100 + their rank among unprintable bytes (0x00-0x20
    // are ranks 0-32, 0x7F-0xA0 ranks 33-66): 0x9F → U+0141 'Ł', 0x98 → U+013A 'ĺ', 0x80 → U+0122 'Ģ'.
    private static readonly string[] Vocab =
    [
        "H", "e", "l", "o", "Ġ", "w", "r", "d",                   // 0-7
        "He", "lo", "Hel", "Ġw", "or", "Ġwor", "ld", "Hello",     // 8-15
        "ll", "Ã", "©", "Ã©", "ð", "Ł", "ĺ", "Ģ",                 // 16-23
        "<s>", "</s>", "<pad>", "<unk>", "<mask>",                // 24-28
    ];

    // Merge ranks = line order.
    private static readonly string[] Merges =
    [
        "H e",    // 0
        "l o",    // 1
        "He l",   // 2
        "Ġ w",    // 3
        "o r",    // 4
        "Ġw or",  // 5
        "l d",    // 6
        "Hel lo", // 7
        "l l",    // 8
        "Ã ©",    // 9
    ];

    private static void WriteSlowFiles(TempDir dir)
    {
        File.WriteAllText(dir.File("vocab.json"), TokenizerJsonTestFiles.Vocab(Vocab).ToJsonString());
        File.WriteAllLines(dir.File("merges.txt"), new[] { "#version: 0.2" }.Concat(Merges));
    }

    [Fact]
    public void Gpt2Style_MergesByRank_OffsetsKeepTheSpace()
    {
        using var dir = new TempDir();
        WriteSlowFiles(dir);
        var tok = ByteLevelBpeTokenizer.Create(dir.Path, TokenizerConfig.Load(dir.Path));
        // The GPT-2 regex splits "Hello world" into "Hello" and " world" → "Ġworld".
        // "Hello" = H e l l o: lowest rank first — H e (0) → He l l o; l o (1) beats l l (8) → He l lo;
        //   He l (2) → Hel lo; Hel lo (7) → Hello (15).
        // "Ġworld" = Ġ w o r l d: Ġ w (3) → Ġw o r l d; o r (4) → Ġw or l d; Ġw or (5) → Ġwor l d; l d (6) → Ġwor ld.
        // Offsets: "Ġwor" covers the space and "wor" (5,9); no trimming for GPT-2.
        var tokens = tok.Tokenize("Hello world");
        Assert.Equal([15, 13, 14], tokens.Select(t => t.Id));
        Assert.Equal(["Hello", "Ġwor", "ld"], tokens.Select(t => t.Value));
        Assert.Equal([(0, 5), (5, 9), (9, 11)], tokens.Select(t => (t.Start, t.End)));
        Assert.Equal("Hello world", tok.Decode(tokens.Select(t => t.Id)));

        // No template for GPT-2: Encode adds nothing; a pair is the two texts, the second with type id 1 (as transformers).
        Assert.Equal([15, 13, 14], tok.Encode("Hello world").InputIds);
        var pair = tok.Encode("Hello world", "Hello");
        Assert.Equal([15, 13, 14, 15], pair.InputIds);
        Assert.Equal([0, 0, 0, 1], pair.TokenTypeIds);
        Assert.Equal("byte-level BPE", tok.Kind);
    }

    [Fact]
    public void EqualRanks_MergeTheLeftmostPairFirst()
    {
        using var dir = new TempDir();
        WriteSlowFiles(dir);
        var tok = ByteLevelBpeTokenizer.Create(dir.Path, TokenizerConfig.Empty);
        // "lll": both adjacent pairs are "l l" (rank 8); the leftmost merges → "ll" "l"; ("ll","l") has no merge.
        var tokens = tok.Tokenize("lll");
        Assert.Equal(["ll", "l"], tokens.Select(t => t.Value));
        Assert.Equal([(0, 2), (2, 3)], tokens.Select(t => (t.Start, t.End)));
    }

    [Fact]
    public void MultiByteCharacters_MapToWholeCharacterOffsets_AndRoundTripThroughDecode()
    {
        using var dir = new TempDir();
        WriteSlowFiles(dir);
        var tok = ByteLevelBpeTokenizer.Create(dir.Path, TokenizerConfig.Empty);
        // "é😀": regex pieces "é" (a letter) and "😀" (a symbol). "Ã ©" merges (rank 9) into "Ã©" (19); the emoji's four
        // byte characters have no merges. Every byte token spans the whole character it belongs to: the emoji is two
        // UTF-16 units (1,3).
        var tokens = tok.Tokenize("é😀");
        Assert.Equal([19, 20, 21, 22, 23], tokens.Select(t => t.Id));
        Assert.Equal([(0, 1), (1, 3), (1, 3), (1, 3), (1, 3)], tokens.Select(t => (t.Start, t.End)));
        Assert.Equal("é😀", tok.Decode(tokens.Select(t => t.Id)));
    }

    [Fact]
    public void RobertaStyle_Template_TrimmedOffsets_AndSpecialTokensInText()
    {
        using var dir = new TempDir();
        WriteSlowFiles(dir);
        File.WriteAllText(dir.File("tokenizer_config.json"), """
            {"tokenizer_class": "RobertaTokenizer", "bos_token": "<s>", "eos_token": "</s>", "cls_token": "<s>", "sep_token": "</s>",
             "pad_token": "<pad>", "unk_token": "<unk>", "mask_token": "<mask>"}
            """);
        var tok = ByteLevelBpeTokenizer.Create(dir.Path, TokenizerConfig.Load(dir.Path));
        // <s> A </s> / <s> A </s> </s> B </s>, all type 0. RoBERTa trims the space from "Ġwor": (6,9).
        var e = tok.Encode("Hello world", "Hello");
        Assert.Equal([24, 15, 13, 14, 25, 25, 15, 25], e.InputIds);
        Assert.All(e.TokenTypeIds, t => Assert.Equal(0, t));
        Assert.Equal([(0, 0), (0, 5), (6, 9), (9, 11), (0, 0), (0, 0), (0, 5), (0, 0)], e.Offsets);

        // "<mask>" written in text is one token; it swallows the space before it (lstrip), so " <mask>" spans (5,12).
        var tokens = tok.Tokenize("Hello <mask>");
        Assert.Equal([15, 28], tokens.Select(t => t.Id));
        Assert.Equal((5, 12), (tokens[1].Start, tokens[1].End));
        Assert.Equal("Hello", tok.Decode(tokens.Select(t => t.Id)));
        Assert.Equal("Hello<mask>", tok.Decode(tokens.Select(t => t.Id), skipSpecialTokens: false));
    }

    [Fact]
    public void SameModelAsTokenizerJson_GivesIdenticalOutput()
    {
        using var dir = new TempDir();
        WriteSlowFiles(dir);
        var slow = ByteLevelBpeTokenizer.Create(dir.Path, TokenizerConfig.Empty);
        var json = new JsonObject
        {
            ["added_tokens"] = new JsonArray(),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true },
            ["post_processor"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = false, ["use_regex"] = true },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "", ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false, ["byte_fallback"] = false, ["vocab"] = TokenizerJsonTestFiles.Vocab(Vocab),
                // The newer array form of merges.
                ["merges"] = new JsonArray(Merges.Select(m => (JsonNode)new JsonArray(m.Split(' ')[0], m.Split(' ')[1])).ToArray()),
            },
        };
        var fast = TokenizerJsonLoader.LoadFile(TokenizerJsonTestFiles.Write(dir, json));
        // "\n" is byte 0x0A ('Ċ'), which this vocabulary lacks; with no unknown token it is dropped by both.
        foreach (var text in new[] { "Hello world", "lll Hello  world\n", "é😀 Hello", "", "world Hello" })
        {
            var a = slow.Tokenize(text);
            var b = fast.Tokenize(text);
            Assert.Equal(a, b);
            Assert.Equal(slow.Decode(a.Select(t => t.Id)), fast.Decode(b.Select(t => t.Id)));
        }
        Assert.Equal("lll Hello  world", fast.Decode(fast.Tokenize("lll Hello  world\n").Select(t => t.Id)));
    }

    [Fact]
    public void MalformedMergesFile_NamesTheLine()
    {
        using var dir = new TempDir();
        WriteSlowFiles(dir);
        File.WriteAllLines(dir.File("merges.txt"), ["#version: 0.2", "H e", "He l lo"]);
        var e = Assert.Throws<TuneSharpException>(() => ByteLevelBpeTokenizer.Create(dir.Path, TokenizerConfig.Empty));
        Assert.Contains("merges.txt line 3", e.Message);

        File.WriteAllLines(dir.File("merges.txt"), ["H e", "x y"]);
        e = Assert.Throws<TuneSharpException>(() => ByteLevelBpeTokenizer.Create(dir.Path, TokenizerConfig.Empty));
        Assert.Contains("\"x y\" uses a token that is not in the vocabulary", e.Message);
    }
}
