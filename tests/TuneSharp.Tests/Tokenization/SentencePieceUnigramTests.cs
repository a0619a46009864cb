using System.Text.Json.Nodes;
using TuneSharp.Tokenization;

namespace TuneSharp.Tests.Tokenization;

/// <summary>
/// SentencePiece Unigram models read from .model files, with the precompiled charsmap and the conventions of
/// XLMRobertaTokenizer, CamembertTokenizer, DebertaV2Tokenizer and T5Tokenizer. The models are the tiny ones
/// Fixtures/make_spm_fixtures.py writes (pieces and scores listed there); every expectation below is worked out by
/// hand from those scores, SentencePiece's rules (unknown = lowest NORMAL score − 10, user-defined pieces ≈ −0.1,
/// UNUSED pieces never used, longest charsmap rule) and transformers' id conventions.
/// <para>xlmr_like.model, SentencePiece ids: 0 &lt;unk&gt;, 1 &lt;s&gt;, 2 &lt;/s&gt;, 3 ▁ (−1), 4 ▁He (−3), 5 llo (−2.5),
/// 6 ▁Hello (−5), 7 H (−4), 8 e (−3), 9 l (−2), 10 o (−2), 11 A (−2), 12 1 (−2), 13 ▁A (−2.5), 14 fi (−3), 15 f, 16 i
/// (−3.5), 17 ll (UNUSED, −0.5), 18 @@ (USER_DEFINED), 19 カ, 20 ガ (−3), 21 U+3099 (−4), 22 é (−3), 23 a (−2), 24 ▁a (−2.5),
/// 25 "," 26 "." (−2). Lowest NORMAL score −5, so an unknown character scores −15. Its charsmap: Ａ→A, ａ→a, ①→1,
/// NBSP/U+3000/tab→space, ﬁ→fi, U+200B→(nothing), ｶ→カ, ﾞ→U+3099, ｶﾞ→ガ, e+U+0301→é.</para>
/// </summary>
public class SentencePieceUnigramTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Tokenization", "Fixtures", "spm", name);

    private static SentencePieceTokenizer Load(TempDir dir, string fixture, string fileName, string? tokenizerConfig = null)
    {
        File.Copy(Fixture(fixture), dir.File(fileName), overwrite: true);
        if (tokenizerConfig is not null) File.WriteAllText(dir.File("tokenizer_config.json"), tokenizerConfig);
        return Assert.IsType<SentencePieceTokenizer>(TextTokenizer.FromPretrained(dir.Path));
    }

    private static SentencePieceTokenizer XlmR(TempDir dir) => Load(dir, "xlmr_like.model", "sentencepiece.bpe.model");

    private static (int, int)[] Spans(IReadOnlyList<Token> tokens) => tokens.Select(t => (t.Start, t.End)).ToArray();

    [Fact]
    public void XlmRoberta_ViterbiPicksTheBestSegmentation_WithFairseqIds()
    {
        using var dir = new TempDir();
        var tok = XlmR(dir);
        Assert.Equal("XLMRobertaTokenizer", tok.TokenizerClass);
        Assert.Equal("Unigram", tok.ModelType);
        Assert.Equal("SentencePiece Unigram", tok.Kind);

        // "▁Hello": ▁Hello −5 beats ▁He+llo −5.5 and ▁+H+e+llo −10.5 → SentencePiece 6, XLM-R id 6 + 1.
        var hello = tok.Tokenize("Hello");
        Assert.Equal([7], hello.Select(t => t.Id));
        Assert.Equal(["▁Hello"], hello.Select(t => t.Value));
        Assert.Equal([(0, 5)], Spans(hello));
        Assert.Equal([0, 7, 2], tok.Encode("Hello").InputIds);

        // "▁Hell": ▁He+l+l = −7 beats ▁+H+e+l+l = −12; the UNUSED piece "ll" (−0.5) would win if it were used.
        Assert.Equal([5, 10, 10], tok.Tokenize("Hell").Select(t => t.Id));

        // "▁Hxyz": x, y, z have no piece: three unknown steps (−15 each) after ▁ H, fused into one <unk> (id 3) over "xyz".
        var unknown = tok.Tokenize("Hxyz");
        Assert.Equal([4, 8, 3], unknown.Select(t => t.Id));
        Assert.Equal([(0, 0), (0, 1), (1, 4)], Spans(unknown));

        // The user-defined "@@" scores ≈ −0.1 (its bonus) and is never split: ▁A @@ A.
        Assert.Equal([14, 19, 12], tok.Tokenize("A@@A").Select(t => t.Id));

        // Leading, trailing and repeated spaces are removed (remove_extra_whitespaces).
        var spaced = tok.Tokenize("  Hello   ");
        Assert.Equal([7], spaced.Select(t => t.Id));
        Assert.Equal([(2, 7)], Spans(spaced));
    }

    [Fact]
    public void Charsmap_RewritesBeforeSegmentation_WithOffsetsIntoTheOriginalText()
    {
        using var dir = new TempDir();
        var tok = XlmR(dir);

        // Full-width Ａ → A and circled ① → 1: "▁AA1" → ▁A+A+1 (−6.5) beats ▁+A+A+1 (−7); each token spans its source character.
        var wide = tok.Tokenize("ＡＡ①");
        Assert.Equal([14, 12, 13], wide.Select(t => t.Id));
        Assert.Equal(["▁A", "A", "1"], wide.Select(t => t.Value));
        Assert.Equal([(0, 1), (1, 2), (2, 3)], Spans(wide));

        // NBSP → space; the second NBSP collapses (extra whitespace) into the first one's span: "▁A▁A" → ▁A ▁A.
        var nbsp = tok.Tokenize("A\u00a0\u00a0A");
        Assert.Equal([14, 14], nbsp.Select(t => t.Id));
        Assert.Equal([(0, 1), (1, 4)], Spans(nbsp));
        Assert.Equal([14, 14], tok.Tokenize("A\tA").Select(t => t.Id));
        Assert.Equal([14, 14], tok.Tokenize("A\u3000A").Select(t => t.Id));
        Assert.Equal([14], tok.Tokenize("\u00a0A\u00a0").Select(t => t.Id)); // a leading/trailing NBSP is a space, so removed

        // The ligature ﬁ grows to "fi": ▁ (dummy prefix, empty span) + fi (−4 against ▁ f i −8), "fi" spanning the ligature.
        var ligature = tok.Tokenize("ﬁ");
        Assert.Equal([4, 15], ligature.Select(t => t.Id));
        Assert.Equal([(0, 0), (0, 1)], Spans(ligature));

        // The zero-width space is removed; ▁A covers it (SentencePiece gives a piece the text up to the next one).
        var zwsp = tok.Tokenize("A\u200bA");
        Assert.Equal([14, 12], zwsp.Select(t => t.Id));
        Assert.Equal([(0, 2), (2, 3)], Spans(zwsp));

        // Longest match: ｶﾞ has a rule of its own (→ ガ), longer than the rule for ｶ.
        var kana = tok.Tokenize("ｶﾞ");
        Assert.Equal([4, 21], kana.Select(t => t.Id));
        Assert.Equal([(0, 0), (0, 2)], Spans(kana));
        // e + combining acute composes to é by its two-character rule.
        Assert.Equal([4, 23], tok.Tokenize("e\u0301").Select(t => t.Id));
        // Ａ + combining acute: Ａ → A, the accent has no rule and passes unchanged, and no piece has it: ▁A <unk>.
        var accent = tok.Tokenize("Ａ\u0301");
        Assert.Equal([14, 3], accent.Select(t => t.Id));
        Assert.Equal([(0, 1), (1, 2)], Spans(accent));
    }

    [Fact]
    public void XlmRoberta_TemplateSpecialTokensAndDecoding()
    {
        using var dir = new TempDir();
        var tok = XlmR(dir);
        Assert.Equal((0, 1, 2, 3, 28), (tok.SpecialTokens.ClsId!.Value, tok.SpecialTokens.PadId!.Value, tok.SpecialTokens.SepId!.Value,
                                         tok.SpecialTokens.UnkId!.Value, tok.SpecialTokens.MaskId!.Value));
        Assert.Equal(29, tok.VocabSize); // 27 pieces + 1 (fairseq offset) + <mask>
        Assert.Equal("▁", tok.IdToToken(4));
        Assert.Equal("<mask>", tok.IdToToken(28));

        // <s> A </s></s> B </s>, all token type 0.
        var pair = tok.Encode("Hello", "ＡＡ①");
        Assert.Equal([0, 7, 2, 2, 14, 12, 13, 2], pair.InputIds);
        Assert.All(pair.TokenTypeIds, t => Assert.Equal(0, t));

        // <mask> has lstrip: the space before it goes with it; special tokens written in the text are single tokens.
        Assert.Equal([0, 7, 28, 2], tok.Encode("Hello <mask>").InputIds);
        Assert.Equal([0, 7, 2, 7], tok.Tokenize("<s>Hello</s>Hello").Select(t => t.Id));

        // convert_tokens_to_string: pieces joined, ▁ → space, stripped.
        Assert.Equal("Hello AA1", tok.Decode(pair.InputIds));
        // Kept special tokens go through the same join: "<s>▁Hello</s></s>▁AA1</s>".
        Assert.Equal("<s> Hello</s></s> AA1</s>", tok.Decode(pair.InputIds, skipSpecialTokens: false));
    }

    [Fact]
    public void Camembert_OwnIdLayout()
    {
        using var dir = new TempDir();
        var tok = Load(dir, "xlmr_like.model", "sentencepiece.bpe.model", """{"tokenizer_class": "CamembertTokenizer"}""");
        Assert.Equal("CamembertTokenizer", tok.TokenizerClass);
        // Ids 0-4: <s>NOTUSED, <pad>, </s>NOTUSED, <unk>, <unk>NOTUSED; SentencePiece id k is k + 4, so <s> (1) is 5 and </s> (2) 6;
        // <mask> is appended after the 27 + 4 ids.
        Assert.Equal(["<s>NOTUSED", "<pad>", "</s>NOTUSED", "<unk>", "<unk>NOTUSED", "<s>", "</s>"], Enumerable.Range(0, 7).Select(tok.IdToToken));
        Assert.Equal((5, 6, 1, 3, 31), (tok.SpecialTokens.ClsId!.Value, tok.SpecialTokens.SepId!.Value, tok.SpecialTokens.PadId!.Value,
                                         tok.SpecialTokens.UnkId!.Value, tok.SpecialTokens.MaskId!.Value));
        Assert.Equal(32, tok.VocabSize);
        // ▁Hello (6) → 10; ▁ (3) → 7, H (7) → 11, the unknown piece → <unk> 3 (not 0 + 4).
        Assert.Equal([5, 10, 6], tok.Encode("Hello").InputIds);
        Assert.Equal([5, 7, 11, 3, 6], tok.Encode("Hxyz").InputIds);
        Assert.Equal([5, 10, 6, 6, 17, 15, 16, 6], tok.Encode("Hello", "ＡＡ①").InputIds);
        Assert.Equal([0, 10], tok.Tokenize("<s>NOTUSED Hello").Select(t => t.Id));
        Assert.Equal("Hello AA1", tok.Decode(tok.Encode("Hello", "ＡＡ①").InputIds));
    }

    [Fact]
    public void DebertaV2_TemplateTypesLowerCaseAndPunctuationSplit()
    {
        // deberta_like.model: 0 [PAD], 1 [CLS], 2 [SEP], 3 [UNK], 4 ▁ (−1), 5 ▁hello (−4), 6 ▁Hello (−4.5), 7 ▁world (−4),
        // 8 "," (−2), 9 "▁," (−2.5), 10 "!" (−2), 11 A (−2), 12 ▁A (−2.5), 13 1 (−2); the same charsmap.
        using var dir = new TempDir();
        var tok = Load(dir, "deberta_like.model", "spm.model");
        Assert.Equal("DebertaV2Tokenizer", tok.TokenizerClass);
        Assert.Equal((1, 2, 0, 3, 14), (tok.SpecialTokens.ClsId!.Value, tok.SpecialTokens.SepId!.Value, tok.SpecialTokens.PadId!.Value,
                                         tok.SpecialTokens.UnkId!.Value, tok.SpecialTokens.MaskId!.Value)); // [MASK] appended
        // "▁Hello,▁world!" → ▁Hello , ▁world !
        Assert.Equal([1, 6, 8, 7, 10, 2], tok.Encode("Hello, world!").InputIds);
        // [CLS] A [SEP] B [SEP] with type 1 for B and its [SEP]: "▁A1" → ▁A 1 (−4.5, against ▁ A 1 −5).
        var pair = tok.Encode("Hello", "A1");
        Assert.Equal([1, 6, 2, 12, 13, 2], pair.InputIds);
        Assert.Equal([0, 0, 0, 1, 1, 1], pair.TokenTypeIds);
        Assert.Equal([1, 6, 14, 2], tok.Encode("Hello [MASK]").InputIds);
        Assert.Equal([1, 12, 11, 2], tok.Encode("ＡＡ").InputIds); // the charsmap applies
        Assert.Equal("Hello, world!", tok.Decode(tok.Encode("Hello, world!").InputIds));

        using var lower = new TempDir();
        var lowered = Load(lower, "deberta_like.model", "spm.model", """{"tokenizer_class": "DebertaV2Tokenizer", "do_lower_case": true}""");
        Assert.Equal([5, 8, 7, 10], lowered.Tokenize("Hello, world!").Select(t => t.Id));

        // split_by_punct: "Hello", ",", " world", "!" are encoded one by one, each with its own dummy prefix:
        // ▁Hello | ▁, (−2.5 against ▁ + , −3) | ▁world | ▁ ! — offsets still into the original text.
        using var punct = new TempDir();
        var split = Load(punct, "deberta_like.model", "spm.model", """{"tokenizer_class": "DebertaV2TokenizerFast", "split_by_punct": true}""");
        var tokens = split.Tokenize("Hello, world!");
        Assert.Equal([6, 9, 7, 4, 10], tokens.Select(t => t.Id));
        Assert.Equal([(0, 5), (5, 6), (7, 12), (12, 12), (12, 13)], Spans(tokens));
    }

    [Fact]
    public void T5_ByteFallbackEosAndSentinels()
    {
        // t5_like_bytes.model: 0 <pad>, 1 </s>, 2 <unk>, 3..258 bytes (byte b = 3 + b), 259 ▁ (−1), 260 ▁a (−2), 261 b (−2),
        // 262 ▁ab (−3), 263 c (−2.5), 264 X (−2), 265 "." (−2); identity normaliser, byte_fallback.
        using var dir = new TempDir();
        var tok = Load(dir, "t5_like_bytes.model", "spiece.model");
        Assert.Equal("T5Tokenizer", tok.TokenizerClass);
        Assert.False(tok.AddBos);
        // <extra_id_i> = 266 − 1 + 100 − i.
        Assert.Equal(365, tok.TokenToId("<extra_id_0>"));
        Assert.Equal(266, tok.TokenToId("<extra_id_99>"));
        Assert.Equal(366, tok.VocabSize);
        Assert.Equal((1, 2, 0), (tok.SpecialTokens.EosId!.Value, tok.SpecialTokens.UnkId!.Value, tok.SpecialTokens.PadId!.Value));

        // "▁ab": ▁ab (−3) beats ▁a + b (−4); </s> appended.
        Assert.Equal([262, 1], tok.Encode("ab").InputIds);
        // é has no piece: its UTF-8 bytes C3 A9, both spanning é.
        var bytes = tok.Tokenize("aé");
        Assert.Equal([260, 3 + 0xC3, 3 + 0xA9], bytes.Select(t => t.Id));
        Assert.Equal([(0, 1), (1, 2), (1, 2)], Spans(bytes));
        // A sentinel strips the spaces on both sides: "abc" | <extra_id_0> | "X." → ▁ab c | 365 | ▁ X .
        var ids = tok.Encode("abc <extra_id_0> X.").InputIds;
        Assert.Equal([262, 263, 365, 259, 264, 265, 1], ids);
        var pair = tok.Encode("ab", "c");
        Assert.Equal([262, 1, 259, 263, 1], pair.InputIds);
        Assert.All(pair.TokenTypeIds, t => Assert.Equal(0, t));

        Assert.Equal("abc X.", tok.Decode(ids));
        Assert.Equal("abc <extra_id_0> X.</s>", tok.Decode(ids, skipSpecialTokens: false));
        Assert.Equal("aé", tok.Decode(tok.Encode("aé").InputIds));
    }

    [Fact]
    public void LoaderPicksTheClassFromConfigModelTypeOrFileName()
    {
        using var byModelType = new TempDir();
        File.WriteAllText(byModelType.File("config.json"), """{"model_type": "camembert"}""");
        Assert.Equal("CamembertTokenizer", Load(byModelType, "xlmr_like.model", "sentencepiece.bpe.model").TokenizerClass);

        using var byClass = new TempDir();
        Assert.Equal("XLMRobertaTokenizer",
            Load(byClass, "xlmr_like.model", "spiece.model", """{"tokenizer_class": "XLMRobertaTokenizerFast"}""").TokenizerClass);

        using var unsupported = new TempDir();
        File.Copy(Fixture("xlmr_like.model"), unsupported.File("spiece.model"));
        File.WriteAllText(unsupported.File("tokenizer_config.json"), """{"tokenizer_class": "XLNetTokenizer"}""");
        var error = Assert.Throws<TuneSharpException>(() => TextTokenizer.FromPretrained(unsupported.Path));
        Assert.Contains("XLNetTokenizer", error.Message);
        Assert.Contains("tokenizer.json", error.Message);

        // ALBERT's slow tokenizer (its own preprocessing) is not implemented: refused rather than read as T5 by file name.
        using var albert = new TempDir();
        File.Copy(Fixture("t5_like_bytes.model"), albert.File("spiece.model"));
        File.WriteAllText(albert.File("config.json"), """{"model_type": "albert"}""");
        Assert.Contains("model_type \"albert\"", Assert.Throws<TuneSharpException>(() => TextTokenizer.FromPretrained(albert.Path)).Message);

        using var t5NotLegacy = new TempDir();
        File.Copy(Fixture("t5_like_bytes.model"), t5NotLegacy.File("spiece.model"));
        File.WriteAllText(t5NotLegacy.File("tokenizer_config.json"), """{"legacy": false}""");
        Assert.Contains("legacy", Assert.Throws<TuneSharpException>(() => TextTokenizer.FromPretrained(t5NotLegacy.Path)).Message);
    }

    [Fact]
    public void PreSplitWordsAndBatchesWork()
    {
        using var dir = new TempDir();
        var tok = XlmR(dir);
        // Each word is encoded on its own with its own dummy prefix.
        var words = tok.EncodeWords(["Hello", "ＡＡ①"]);
        Assert.Equal([0, 7, 14, 12, 13, 2], words.InputIds);
        Assert.Equal([null, 0, 1, 1, 1, null], words.WordIds);
        var batch = tok.EncodeBatch(["Hello", "Hell"], options: new EncodeOptions { Padding = PaddingStrategy.Longest });
        Assert.Equal([0, 7, 2, 1, 1], batch[0].InputIds);
        Assert.Equal([0, 5, 10, 10, 2], batch[1].InputIds);
    }

    /// <summary>The same vocabulary and charsmap as a tokenizer.json, for the "Precompiled" normaliser.</summary>
    private static JsonObject TokenizerJson()
    {
        var fixture = JsonNode.Parse(File.ReadAllText(Fixture("xlmr_like_pieces.json")))!;
        var vocab = new JsonArray();
        foreach (var p in fixture["pieces"]!.AsArray()) vocab.Add(new JsonArray(p![0]!.GetValue<string>(), p[1]!.GetValue<double>()));
        return new JsonObject
        {
            ["normalizer"] = new JsonObject { ["type"] = "Precompiled", ["precompiled_charsmap"] = fixture["precompiled_charsmap"]!.GetValue<string>() },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "always", ["split"] = true },
            ["decoder"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "always", ["split"] = true },
            ["model"] = new JsonObject { ["type"] = "Unigram", ["unk_id"] = 0, ["vocab"] = vocab },
        };
    }

    [Fact]
    public void TokenizerJsonPrecompiled_DecodesTheCharsmap_WithHuggingFacesGraphemeRule()
    {
        using var dir = new TempDir();
        var tok = TokenizerJsonLoader.LoadFile(TokenizerJsonTestFiles.Write(dir, TokenizerJson()));
        // As in the .model: ＡＡ① → "▁AA1" → ▁A A 1 (ids as in the file: no fairseq offset in tokenizer.json's own vocabulary).
        var wide = tok.Tokenize("ＡＡ①");
        Assert.Equal([13, 11, 12], wide.Select(t => t.Id));
        Assert.Equal([(0, 1), (1, 2), (2, 3)], Spans(wide));
        Assert.Equal([13, 11], tok.Tokenize("A\u200bA").Select(t => t.Id));
        Assert.Equal([3, 14], tok.Tokenize("ﬁ").Select(t => t.Id));
        // Hugging Face's rule differs from SentencePiece's on purpose (tokenizers/precompiled.rs): ｶﾞ is one grapheme of 6
        // UTF-8 bytes, so it is normalised per character, ｶ → カ and ﾞ → U+3099 (SentencePiece: ガ) ...
        var kana = tok.Tokenize("ｶﾞ");
        Assert.Equal([3, 19, 21], kana.Select(t => t.Id));
        Assert.Equal([(0, 1), (0, 1), (1, 2)], Spans(kana));
        // ... and Ａ + U+0301 (5 bytes) is replaced whole by the shortest rule starting it, Ａ → A, the accent lost
        // (SentencePiece: ▁A <unk>).
        var accent = tok.Tokenize("Ａ\u0301");
        Assert.Equal([13], accent.Select(t => t.Id));
        Assert.Equal([(0, 2)], Spans(accent));
    }

    [Fact]
    public void TokenizerJsonPrecompiled_BadBase64OrBlobNamesTheField()
    {
        using var dir = new TempDir();
        var json = TokenizerJson();
        json["normalizer"]!["precompiled_charsmap"] = "not base64!";
        var error = Assert.Throws<TuneSharpException>(() => TokenizerJsonLoader.LoadFile(TokenizerJsonTestFiles.Write(dir, json)));
        Assert.Contains("normalizer.precompiled_charsmap", error.Message);
        Assert.Contains("base64", error.Message);

        json["normalizer"]!["precompiled_charsmap"] = Convert.ToBase64String([0xFF, 0xFF, 0, 0, 1, 2, 3, 4]);
        error = Assert.Throws<TuneSharpException>(() => TokenizerJsonLoader.LoadFile(TokenizerJsonTestFiles.Write(dir, json)));
        Assert.Contains("precompiled_charsmap", error.Message);
        Assert.Contains("trie size", error.Message);
    }
}
