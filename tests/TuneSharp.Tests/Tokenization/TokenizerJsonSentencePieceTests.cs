using System.Text.Json.Nodes;
using TuneSharp.Tokenization;

namespace TuneSharp.Tests.Tokenization;

public class TokenizerJsonSentencePieceTests
{
    private static JsonObject Added(int id, string content) => new()
    {
        ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
    };

    /// <summary>Llama/Mistral-style: Metaspace (prepend_scheme first, no split), BPE with byte_fallback, "&lt;s&gt; $A" template and
    /// the Replace/ByteFallback/Fuse/Strip decoder chain. Ids: 0 &lt;unk&gt;, 1 &lt;s&gt;, 2 &lt;/s&gt;, 3..258 byte tokens
    /// &lt;0x00&gt;..&lt;0xFF&gt; (so byte b is id 3 + b), then the pieces below from 259.</summary>
    private static JsonObject LlamaStyle()
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>" };
        for (int b = 0; b < 256; b++) tokens.Add($"<0x{b:X2}>");
        tokens.AddRange(["▁", "H", "e", "l", "o", "▁H", "ll", "▁He", "▁Hell", "▁Hello"]); // 259-268
        return new JsonObject
        {
            ["added_tokens"] = new JsonArray(Added(0, "<unk>"), Added(1, "<s>"), Added(2, "</s>")),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "first", ["split"] = false },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<s>", ["type_id"] = 0 } },
                                           new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
                ["pair"] = new JsonArray(new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<s>", ["type_id"] = 0 } },
                                         new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } },
                                         new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<s>", ["type_id"] = 1 } },
                                         new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "B", ["type_id"] = 1 } }),
                ["special_tokens"] = new JsonObject { ["<s>"] = new JsonObject { ["id"] = "<s>", ["ids"] = new JsonArray(1), ["tokens"] = new JsonArray("<s>") } },
            },
            ["decoder"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["decoders"] = new JsonArray(
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = "▁" }, ["content"] = " " },
                    new JsonObject { ["type"] = "ByteFallback" },
                    new JsonObject { ["type"] = "Fuse" },
                    new JsonObject { ["type"] = "Strip", ["content"] = " ", ["start"] = 1, ["stop"] = 0 }),
            },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["unk_token"] = "<unk>", ["fuse_unk"] = true, ["byte_fallback"] = true, ["ignore_merges"] = false,
                ["vocab"] = TokenizerJsonTestFiles.Vocab(tokens),
                ["merges"] = new JsonArray("▁ H", "l l", "▁H e", "▁He ll", "▁Hell o"),
            },
        };
    }

    [Fact]
    public void MetaspaceBpe_PrependsOnlyToTheFirstPiece_AndRecognisesLiteralSpecialTokens()
    {
        using var dir = new TempDir();
        var tok = TokenizerJsonLoader.LoadFile(TokenizerJsonTestFiles.Write(dir, LlamaStyle()), new TokenizerConfig { BosToken = "<s>", EosToken = "</s>", UnkToken = "<unk>" });

        // "Hello" → "▁Hello" (first piece gets the '▁'). Symbols ▁ H e l l o: "▁ H" (rank 0) → ▁H e l l o; "l l" (1) beats
        // "▁H e" (2) → ▁H e ll o; "▁H e" → ▁He ll o; "▁He ll" (3) → ▁Hell o; "▁Hell o" (4) → ▁Hello (268). The added '▁'
        // shares 'H''s span, so the token spans the whole word (0,5).
        var hello = tok.Tokenize("Hello");
        Assert.Equal([268], hello.Select(t => t.Id));
        Assert.Equal((0, 5), (hello[0].Start, hello[0].End));
        Assert.Equal([1, 268], tok.Encode("Hello").InputIds);

        // "<s>Hello": "<s>" is cut out of the raw text first and is piece 0, so "Hello" (piece 1) gets no '▁' under
        // prepend_scheme "first": H e l l o → only "l l" applies → H e ll o.
        var withBos = tok.Tokenize("<s>Hello");
        Assert.Equal([1, 260, 261, 265, 263], withBos.Select(t => t.Id));
        Assert.Equal([(0, 3), (3, 4), (4, 5), (5, 7), (7, 8)], withBos.Select(t => (t.Start, t.End)));
        Assert.Equal(1, tok.SpecialTokens.BosId);
        Assert.Equal(2, tok.SpecialTokens.EosId);
    }

    [Fact]
    public void ByteFallback_UnknownCharactersBecomeUtf8ByteTokens_AndDecodeBack()
    {
        using var dir = new TempDir();
        var tok = TokenizerJsonLoader.LoadFile(TokenizerJsonTestFiles.Write(dir, LlamaStyle()));
        // "Hi é" → "▁Hi▁é". ▁ H → ▁H (0,1: the prepended '▁' shares 'H''s span); 'i' is not a piece → byte 0x69 → id 3+0x69;
        // '▁' (259) is the space (2,3); 'é' = UTF-8 C3 A9 → ids 3+0xC3, 3+0xA9, both spanning 'é' (3,4).
        var tokens = tok.Tokenize("Hi é");
        Assert.Equal([264, 3 + 0x69, 259, 3 + 0xC3, 3 + 0xA9], tokens.Select(t => t.Id));
        Assert.Equal([(0, 1), (1, 2), (2, 3), (3, 4), (3, 4)], tokens.Select(t => (t.Start, t.End)));
        // Decoder: "▁"→" " gives " H","<0x69>"," ",...; byte runs decode to "i" and "é"; fused " Hi é"; Strip removes one leading space.
        Assert.Equal("Hi é", tok.Decode(tokens.Select(t => t.Id)));
        // A lone continuation byte is invalid UTF-8 → U+FFFD.
        Assert.Equal("H\uFFFD", tok.Decode([264, 3 + 0xA9]));
        Assert.Equal("Hello", tok.Decode([1, 268, 2]));
        // Keeping <s>: "<s>" + " Hello" + "</s>" fused; Strip only removes a space at the very start, so one remains.
        Assert.Equal("<s> Hello</s>", tok.Decode([1, 268, 2], skipSpecialTokens: false));
    }

    /// <summary>Unigram with scores chosen so the best path can be found by hand.</summary>
    private static JsonObject UnigramStyle(bool byteFallback)
    {
        var vocab = new JsonArray(
            new JsonArray("<unk>", 0.0), new JsonArray("▁", -1.0), new JsonArray("▁H", -2.0), new JsonArray("▁He", -4.6),
            new JsonArray("H", -3.0), new JsonArray("e", -2.5), new JsonArray("l", -2.0), new JsonArray("o", -2.0),
            new JsonArray("ll", -2.5), new JsonArray("llo", -3.5), new JsonArray("ello", -3.0), new JsonArray("lo", -1.5),
            new JsonArray("<0x78>", -4.0));
        return new JsonObject
        {
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "always", ["split"] = true },
            ["decoder"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "always", ["split"] = true },
            ["model"] = new JsonObject { ["type"] = "Unigram", ["unk_id"] = 0, ["byte_fallback"] = byteFallback, ["vocab"] = vocab },
        };
    }

    [Fact]
    public void Unigram_ViterbiPicksTheHighestScoringSegmentation()
    {
        using var dir = new TempDir();
        var tok = TokenizerJsonLoader.LoadFile(TokenizerJsonTestFiles.Write(dir, UnigramStyle(byteFallback: false)));
        // "▁Hello" candidates: ▁H+ello = -2-3 = -5.0; ▁+H+ello = -7.0; ▁H+e+llo = -8.0; ▁H+e+l+lo = -8.0; ▁He+llo = -8.1;
        // ▁H+e+ll+o = -9.0 → ▁H (2) + ello (10), spans (0,1) and (1,5).
        var tokens = tok.Tokenize("Hello");
        Assert.Equal([2, 10], tokens.Select(t => t.Id));
        Assert.Equal([(0, 1), (1, 5)], tokens.Select(t => (t.Start, t.End)));
        Assert.Equal("Hello", tok.Decode(tokens.Select(t => t.Id)));

        // "Hexx": 'x' is no piece, so each x is an unknown step scored min(-4.6) - 10 = -14.6. Before them, ▁H+e (-4.5)
        // beats ▁He (-4.6). The two unknowns fuse into one <unk> spanning "xx" (2,4).
        var unknown = tok.Tokenize("Hexx");
        Assert.Equal([2, 5, 0], unknown.Select(t => t.Id));
        Assert.Equal([(0, 1), (1, 2), (2, 4)], unknown.Select(t => (t.Start, t.End)));
        Assert.Equal("Unigram (tokenizer.json)", tok.Kind);
    }

    [Fact]
    public void Unigram_ByteFallbackReplacesFusedUnknowns()
    {
        using var dir = new TempDir();
        var tok = TokenizerJsonLoader.LoadFile(TokenizerJsonTestFiles.Write(dir, UnigramStyle(byteFallback: true)));
        // As above, but the fused unknown "xx" becomes its bytes 0x78 0x78 (id 12), each spanning the fused span.
        var tokens = tok.Tokenize("Hexx");
        Assert.Equal([2, 5, 12, 12], tokens.Select(t => t.Id));
        Assert.Equal([(0, 1), (1, 2), (2, 4), (2, 4)], tokens.Select(t => (t.Start, t.End)));
    }
}
