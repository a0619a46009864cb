using System.Text.Json;
using TuneSharp.Tokenization;

namespace TuneSharp.Tests.Tokenization;

/// <summary>
/// SentencePiece against stories260K (Llama 2 tokenizer with 512 pieces). Expected ids for hand-made texts were
/// looked up in the llama2.c export original/tok512.bin (same pieces, plain space for "▁"): ids 3..258 are the
/// bytes 0x00..0xFF (id = byte + 3), and e.g. " a" is 261, " b" 268, " H" 320, " there" 383, " " 410, "i" 417.
/// </summary>
public class Stories260KSentencePieceTests
{
    private const int Bos = 1, Eos = 2;

    private static TextTokenizer Load() => TextTokenizer.FromPretrained(SharedData.RequireModel("stories260K"));

    private static JsonElement Golden()
    {
        var dir = SharedData.RequireModel("stories260K");
        return JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "golden_greedy.json"))).RootElement;
    }

    [SkippableFact]
    public void LoaderPicksSentencePieceWithLlamaSpecials()
    {
        var tokenizer = Load();
        var sp = Assert.IsType<SentencePieceTokenizer>(tokenizer);
        Assert.Equal(512, tokenizer.VocabSize);
        Assert.True(sp.AddBos);
        Assert.False(sp.AddEos);
        Assert.Equal((0, 1, 2), (tokenizer.SpecialTokens.UnkId, tokenizer.SpecialTokens.BosId, tokenizer.SpecialTokens.EosId));
        Assert.Null(tokenizer.SpecialTokens.PadId); // pad_token: null in tokenizer_config.json
        Assert.Equal(512, tokenizer.ModelMaxLength);
    }

    [SkippableFact]
    public void PromptCaseMatchesGolden()
    {
        var golden = Golden().GetProperty("prompt_case");
        var prompt = golden.GetProperty("prompt").GetString()!;
        var expected = golden.GetProperty("input_ids").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        Assert.Equal("Once upon a time", prompt);
        Assert.Equal(new[] { 1, 403, 407, 261, 378 }, expected);

        var e = Load().Encode(prompt);
        Assert.Equal(expected, e.InputIds);
        Assert.Equal(new[] { "<s>", "▁Once", "▁upon", "▁a", "▁time" }, e.Tokens);
        // The dummy-prefix "▁" of the first piece has no source char; the others start at the space they stand for.
        Assert.Equal(new[] { (0, 0), (0, 4), (4, 9), (9, 11), (11, 16) }, e.Offsets);
    }

    [SkippableFact]
    public void DecodeOfGoldenGenerationGivesGoldenText()
    {
        var golden = Golden();
        var ids = golden.GetProperty("generated_token_ids").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var text = golden.GetProperty("decoded_text").GetString()!;
        var pieces = golden.GetProperty("generated_pieces").EnumerateArray().Select(v => v.GetString()!).ToArray();
        var tokenizer = Load();

        Assert.Equal(text, tokenizer.Decode(ids));
        Assert.Equal(text, tokenizer.Decode(new[] { Bos }.Concat(ids))); // BOS is skipped; the space after it is dropped
        Assert.Contains("high.\nLily", text);

        // The golden pieces (llama2.c spelling: plain spaces, "<0x0A>" for the newline) are our vocab strings.
        for (int i = 0; i < ids.Length; i++)
            Assert.Equal(pieces[i], tokenizer.IdToToken(ids[i])!.Replace('▁', ' '));
        // Concatenated (llama2.c decode rule: drop the first piece's leading space, bytes become chars) they give the text.
        var concatenated = string.Concat(pieces.Select(p => p == "<0x0A>" ? "\n" : p));
        Assert.Equal(text, concatenated[1..]);
    }

    [SkippableFact]
    public void OffsetsOfGoldenTextMatchPieces()
    {
        var text = Golden().GetProperty("decoded_text").GetString()!;
        var e = Load().Encode(text);
        Assert.True(e.Length > 40);
        for (int t = 1; t < e.Length; t++)
        {
            var (start, end) = e.Offsets[t];
            var piece = e.Tokens[t];
            string expected = piece == "<0x0A>" ? "\n" : piece.Replace('▁', ' ');
            if (t == 1) expected = expected[1..]; // dummy prefix
            Assert.Equal(expected, text.Substring(start, end - start));
        }
    }

    [SkippableFact]
    public void EmojiFallsBackToUtf8ByteTokens()
    {
        var tokenizer = Load();
        // "😀" → "▁😀": no piece contains 😀, so " " (410) then its UTF-8 bytes F0 9F 98 80 → ids 0xF0+3=243,
        // 0x9F+3=162, 0x98+3=155, 0x80+3=131.
        var e = tokenizer.Encode("😀");
        Assert.Equal(new[] { Bos, 410, 243, 162, 155, 131 }, e.InputIds);
        Assert.Equal(new[] { "<0xF0>", "<0x9F>", "<0x98>", "<0x80>" }, e.Tokens[2..]);
        Assert.All(e.Offsets[2..], o => Assert.Equal((0, 2), o)); // every byte token spans the whole surrogate pair
        Assert.Equal("😀", tokenizer.Decode(e.InputIds));
        Assert.Equal("a😀b", tokenizer.Decode(tokenizer.Encode("a😀b").InputIds));
    }

    [SkippableFact]
    public void WhitespaceIsNormalisedAsSentencePieceDoes()
    {
        var tokenizer = Load();
        // remove_extra_whitespaces: "  Hi  there " → "▁Hi▁there" → " H" 320, "i" 417, " there" 383 (no " Hi" piece).
        var e = tokenizer.Encode("  Hi  there ");
        Assert.Equal(new[] { Bos, 320, 417, 383 }, e.InputIds);
        Assert.Equal(new[] { (2, 3), (3, 4), (4, 11) }, e.Offsets[1..]); // "▁there" covers both spaces of the run

        // Only spaces are collapsed: "\n" has no piece → byte 0x0A → id 13; " a" 261, "b" 430.
        var newline = tokenizer.Encode("a\nb");
        Assert.Equal(new[] { Bos, 261, 13, 430 }, newline.InputIds);
        Assert.Equal("a\nb", tokenizer.Decode(newline.InputIds));
    }

    [SkippableFact]
    public void SingleCharacterTextIsEncoded()
    {
        // "a" → "▁a", which is piece " a" (261). (Microsoft.ML.Tokenizers 2.0.1 returns no tokens here.)
        var e = Load().Encode("a");
        Assert.Equal(new[] { Bos, 261 }, e.InputIds);
        Assert.Equal((0, 1), e.Offsets[1]);
    }

    [SkippableFact]
    public void SameIdsAsMicrosoftMlSentencePieceOnLongerTexts()
    {
        // Independent reference for texts where Microsoft.ML.Tokenizers 2.0.1 behaves (it mishandles 1-char inputs).
        var dir = SharedData.RequireModel("stories260K");
        using var stream = File.OpenRead(Path.Combine(dir, "tokenizer.model"));
        var reference = Microsoft.ML.Tokenizers.SentencePieceTokenizer.Create(stream, true, false);
        var tokenizer = Load();
        string[] texts =
        {
            Golden().GetProperty("decoded_text").GetString()!,
            "Tim and Sue went to the beach. They found a shiny shell!", "Café naïve résumé — “quotes” 123 + 456 = 579?",
            "Emoji 😀 and CJK 日本語 use byte fallback.", "  leading and trailing spaces  ", "tabs\tand\nnewlines\r\nhere",
        };
        foreach (var text in texts)
            Assert.Equal(reference.EncodeToIds(text, true, false, true, true), tokenizer.Encode(text).InputIds);
    }

    [SkippableFact]
    public void EmptyTextIsJustBos()
    {
        var tokenizer = Load();
        Assert.Equal(new[] { Bos }, tokenizer.Encode("").InputIds);
        Assert.Equal(new[] { Bos }, tokenizer.Encode("   ").InputIds);
        Assert.Equal("", tokenizer.Decode(new[] { Bos }));
    }

    [SkippableFact]
    public void SpecialTokensInTextAndLegacyDecoding()
    {
        var tokenizer = Load();
        // "<s>" in the text is BOS; legacy Llama gives the following text its own dummy prefix: " a" 261, " b" 268.
        Assert.Equal(new[] { Bos, 261, Bos, 268 }, tokenizer.Encode("a<s>b").InputIds);
        // HF's legacy convert_tokens_to_string: specials kept verbatim, sentencepiece drops the run's leading space.
        Assert.Equal("<s>Once upon", tokenizer.Decode(new[] { Bos, 403, 407 }, skipSpecialTokens: false));
        Assert.Equal("Once upon", tokenizer.Decode(new[] { Bos, 403, 407, Eos }));
    }

    [SkippableFact]
    public void PairTemplateAndPaddingNeedAPadToken()
    {
        var tokenizer = Load();
        // HF LlamaTokenizer: bos A + bos B, the second part with type id 1.
        var pair = tokenizer.Encode("Once", "upon");
        Assert.Equal(new[] { Bos, 403, Bos, 407 }, pair.InputIds);
        Assert.Equal(new[] { 0, 0, 1, 1 }, pair.TokenTypeIds);
        Assert.Equal(new int?[] { null, 0, null, 1 }, pair.SequenceIds);

        var options = new EncodeOptions { Padding = PaddingStrategy.Longest, PaddingSide = PaddingSide.Left };
        var error = Assert.Throws<TuneSharpException>(() => tokenizer.EncodeBatch(new[] { "Once", "Once upon a time" }, options: options));
        Assert.Contains("no pad token", error.Message);
        Assert.Contains("SetPadToken", error.Message);

        tokenizer.SetPadToken("</s>");
        var batch = tokenizer.EncodeBatch(new[] { "Once", "Once upon a time" }, options: options);
        Assert.Equal(new[] { Eos, Eos, Eos, Bos, 403 }, batch[0].InputIds);
        Assert.Equal(new[] { 0, 0, 0, 1, 1 }, batch[0].AttentionMask);
        Assert.Equal(new[] { 1, 403, 407, 261, 378 }, batch[1].InputIds);
        Assert.Throws<TuneSharpException>(() => tokenizer.SetPadToken("<pad>"));
    }
}
