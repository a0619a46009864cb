using System.Text.Json;
using System.Text.Json.Nodes;
using TuneSharp.Tokenization;

namespace TuneSharp.Tests.Tokenization;

/// <summary>Builds tokenizer.json files for tests (no real one ships in ../shared).</summary>
internal static class TokenizerJsonTestFiles
{
    public static string Write(TempDir dir, JsonObject json, string name = "tokenizer.json")
    {
        var path = dir.File(name);
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    public static JsonObject Vocab(IReadOnlyList<string> tokens)
    {
        var vocab = new JsonObject();
        for (int i = 0; i < tokens.Count; i++) vocab[tokens[i]] = i;
        return vocab;
    }

    /// <summary>The tokenizer.json transformers writes for an uncased BERT: BertNormalizer (lowercase, accents follow
    /// lowercase), BertPreTokenizer, WordPiece, [CLS] $A [SEP] / [CLS] $A [SEP] $B:1 [SEP]:1, WordPiece decoder.</summary>
    public static JsonObject Bert(IReadOnlyList<string> tokens)
    {
        int cls = IndexOf(tokens, "[CLS]"), sep = IndexOf(tokens, "[SEP]");
        JsonObject Special(string id, int type) => new() { ["SpecialToken"] = new JsonObject { ["id"] = id, ["type_id"] = type } };
        JsonObject Sequence(string id, int type) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = type } };
        JsonObject SpecialDef(string t, int id) => new() { ["id"] = t, ["ids"] = new JsonArray(id), ["tokens"] = new JsonArray(t) };
        var added = new JsonArray();
        foreach (var t in new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" })
        {
            if (IndexOf(tokens, t) is var id and >= 0)
                added.Add(new JsonObject { ["id"] = id, ["content"] = t, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true });
        }
        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = added,
            ["normalizer"] = new JsonObject { ["type"] = "BertNormalizer", ["clean_text"] = true, ["handle_chinese_chars"] = true, ["strip_accents"] = null, ["lowercase"] = true },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "BertPreTokenizer" },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(Special("[CLS]", 0), Sequence("A", 0), Special("[SEP]", 0)),
                ["pair"] = new JsonArray(Special("[CLS]", 0), Sequence("A", 0), Special("[SEP]", 0), Sequence("B", 1), Special("[SEP]", 1)),
                ["special_tokens"] = new JsonObject { ["[CLS]"] = SpecialDef("[CLS]", cls), ["[SEP]"] = SpecialDef("[SEP]", sep) },
            },
            ["decoder"] = new JsonObject { ["type"] = "WordPiece", ["prefix"] = "##", ["cleanup"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "WordPiece", ["unk_token"] = "[UNK]", ["continuing_subword_prefix"] = "##", ["max_input_chars_per_word"] = 100,
                ["vocab"] = Vocab(tokens),
            },
        };
    }

    private static int IndexOf(IReadOnlyList<string> tokens, string t)
    {
        for (int i = 0; i < tokens.Count; i++) if (tokens[i] == t) return i;
        return -1;
    }
}

public class TokenizerJsonWordPieceTests
{
    // Ids are positions in this list.
    private static readonly string[] Vocab =
    [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",           // 0-4
        "un", "##aff", "##able", "the", "cat",                   // 5-9
        "##s", "sat", ".", ",", "!",                             // 10-14
        "a", "dog", "##gy", "run", "##ning",                     // 15-19
        "want", "##ed", "wa", "cafe", "naive",                   // 20-24
        "hello", "world", "'", "t", "can",                       // 25-29
        "中", "国", "##n", "on", "mat",                          // 30-34
        "is", "big", "##ger", "?", "it",                         // 35-39
    ];

    private static TextTokenizer Load(TempDir dir) => TokenizerJsonLoader.LoadFile(TokenizerJsonTestFiles.Write(dir, TokenizerJsonTestFiles.Bert(Vocab)));

    [Fact]
    public void SingleText_GreedyLongestMatch_WithOffsetsIntoOriginalText()
    {
        using var dir = new TempDir();
        var tok = Load(dir);
        // "UnAffable cats!" → lower-cased "unaffable cats!" → words "unaffable", "cats", "!".
        // "unaffable": longest vocab prefix is "un" (5); then "##affable"… shrinks to "##aff" (6); then "##able" (7).
        // "cats": "cat" (9) + "##s" (10). "!" (14). Offsets are in the original string (same length here).
        var e = tok.Encode("UnAffable cats!");
        Assert.Equal([2, 5, 6, 7, 9, 10, 14, 3], e.InputIds);
        Assert.Equal(["[CLS]", "un", "##aff", "##able", "cat", "##s", "!", "[SEP]"], e.Tokens);
        Assert.Equal([(0, 0), (0, 2), (2, 5), (5, 9), (10, 13), (13, 14), (14, 15), (0, 0)], e.Offsets);
        Assert.All(e.TokenTypeIds, t => Assert.Equal(0, t));
        Assert.Equal([true, false, false, false, false, false, false, true], e.SpecialTokensMask);
        Assert.Equal("WordPiece (tokenizer.json)", tok.Kind);
        Assert.Equal(40, tok.VocabSize);
    }

    [Fact]
    public void Pair_SecondSequenceHasTypeId1_AndAccentsAreStrippedWithOriginalOffsets()
    {
        using var dir = new TempDir();
        var tok = Load(dir);
        // "Naïve Café" (precomposed ï and é, 10 UTF-16 units) → NFD, marks removed, lower-cased: "naive cafe" (24, 23).
        // Each stripped letter keeps the span of the precomposed character, so the words span (0,5) and (6,10).
        // Pair "the dog" → 8, 16. Template: [CLS] A [SEP] B:1 [SEP]:1.
        var e = tok.Encode("Naïve Café", "the dog");
        Assert.Equal([2, 24, 23, 3, 8, 16, 3], e.InputIds);
        Assert.Equal([0, 0, 0, 0, 1, 1, 1], e.TokenTypeIds);
        Assert.Equal([(0, 0), (0, 5), (6, 10), (0, 0), (0, 3), (4, 7), (0, 0)], e.Offsets);
        Assert.Equal([null, 0, 0, null, 1, 1, null], e.SequenceIds);
    }

    [Fact]
    public void ChineseCharacters_UnknownWords_SpecialTokensInText_AndDecode()
    {
        using var dir = new TempDir();
        var tok = Load(dir);
        // "中国" → handle_chinese_chars puts spaces around each ideograph → two words "中" (30), "国" (31).
        // "xyz": no vocab prefix at all → the whole word is [UNK] (1) spanning (3,6).
        // "[MASK]" is an added special token (normalized false): matched in the raw text, not lower-cased or split.
        var tokens = tok.Tokenize("中国 xyz [MASK] running");
        Assert.Equal([30, 31, 1, 4, 18, 19], tokens.Select(t => t.Id));
        Assert.Equal([(0, 1), (1, 2), (3, 6), (7, 13), (14, 17), (17, 21)], tokens.Select(t => (t.Start, t.End)));

        // WordPiece decoder: "##" pieces join the previous one, others get a space; cleanup removes " !", " '" + "t"
        // patterns; special tokens are skipped.
        var ids = tok.Encode("The cat sat, it wanted a doggy!").InputIds;
        Assert.Equal("the cat sat, it wanted a doggy!", tok.Decode(ids));
        Assert.Equal("[CLS] the cat sat, it wanted a doggy! [SEP]", tok.Decode(ids, skipSpecialTokens: false));
        Assert.Equal(3, tok.SpecialTokens.SepId);
        Assert.Equal("[CLS]", tok.SpecialTokens.Cls);
        Assert.Equal(1, tok.SpecialTokens.UnkId);
    }

    [Fact]
    public void SameVocabulary_GivesTheSameTokensAsVocabTxt()
    {
        using var dir = new TempDir();
        var fromJson = Load(dir);
        File.WriteAllLines(dir.File("vocab.txt"), Vocab);
        var fromVocabTxt = WordPieceTokenizer.Create(dir.Path, TokenizerConfig.Empty);
        // The accented text comes last: vocab.txt's tokenizer must strip accents too (strip_accents follows do_lower_case).
        foreach (var text in new[] { "UnAffable cats!", "The dog sat on the mat.", "中国 is bigger?", "xyz wanted", "[MASK] a dog", "Naïve café, can't run" })
        {
            var a = fromJson.Encode(text, "the big dog");
            var b = fromVocabTxt.Encode(text, "the big dog");
            Assert.Equal(b.InputIds, a.InputIds);
            Assert.Equal(b.TokenTypeIds, a.TokenTypeIds);
            Assert.Equal(b.Offsets, a.Offsets);
        }
    }

    [Fact]
    public void PaddingSectionNamesThePadToken_WhenNoConfigDoes()
    {
        using var dir = new TempDir();
        var json = TokenizerJsonTestFiles.Bert(Vocab);
        json["padding"] = new JsonObject { ["strategy"] = "BatchLongest", ["direction"] = "Right", ["pad_id"] = 0, ["pad_type_id"] = 0, ["pad_token"] = "[PAD]" };
        var tok = TokenizerJsonLoader.LoadFile(TokenizerJsonTestFiles.Write(dir, json));
        Assert.Equal(0, tok.SpecialTokens.PadId);
        // "a dog" → [CLS] a dog [SEP] (4 ids); "it" → [CLS] it [SEP] padded with two [PAD] (0) to the longest.
        var batch = tok.EncodeBatch(["a dog", "it"], options: new EncodeOptions { Padding = PaddingStrategy.Longest });
        Assert.Equal([2, 15, 16, 3], batch[0].InputIds);
        Assert.Equal([2, 39, 3, 0], batch[1].InputIds);
        Assert.Equal([1, 1, 1, 0], batch[1].AttentionMask);
    }

    [SkippableFact]
    public void MiniLmVocabularyAsTokenizerJson_ReproducesGoldenInputIds()
    {
        var modelDir = SharedData.RequireModel("all-MiniLM-L6-v2");
        var vocab = File.ReadAllLines(Path.Combine(modelDir, "vocab.txt"));
        using var golden = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(modelDir, "golden_hidden.json")));
        var sentences = golden.RootElement.GetProperty("sentences").EnumerateArray().Select(s => s.GetString()!).ToArray();
        var expectedIds = golden.RootElement.GetProperty("input_ids").EnumerateArray()
            .Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        var expectedMask = golden.RootElement.GetProperty("attention_mask").EnumerateArray()
            .Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();

        using var dir = new TempDir();
        // The model folder's own config files supply [PAD] for padding, as FromPretrained would.
        var tok = TokenizerJsonLoader.LoadFile(TokenizerJsonTestFiles.Write(dir, TokenizerJsonTestFiles.Bert(vocab)), TokenizerConfig.Load(modelDir));
        var batch = tok.EncodeBatch(sentences, options: new EncodeOptions { Padding = PaddingStrategy.Longest });

        Assert.Equal(10, batch.Count);
        for (int i = 0; i < sentences.Length; i++)
        {
            Assert.Equal(expectedIds[i], batch[i].InputIds);
            Assert.Equal(expectedMask[i], batch[i].AttentionMask);
        }
    }
}
