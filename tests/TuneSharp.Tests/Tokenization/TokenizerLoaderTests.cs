using TuneSharp.Tokenization;

namespace TuneSharp.Tests.Tokenization;

/// <summary>FromPretrained's file detection, TokenizerConfig parsing and the error messages for broken folders.</summary>
public class TokenizerLoaderTests
{
    [Fact]
    public void EmptyFolderListsSupportedFilesAndContents()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), "{}");
        var error = Assert.Throws<TuneSharpException>(() => TextTokenizer.FromPretrained(dir.Path));
        Assert.Contains("tokenizer.json", error.Message);
        Assert.Contains("vocab.txt", error.Message);
        Assert.Contains("vocab.json + merges.txt", error.Message);
        Assert.Contains("tokenizer.model", error.Message);
        Assert.Contains("contains: config.json", error.Message);

        File.WriteAllText(dir.File("vocab.json"), "{}");
        Assert.Contains("merges.txt", Assert.Throws<TuneSharpException>(() => TextTokenizer.FromPretrained(dir.Path)).Message);

        Assert.Contains("does not exist", Assert.Throws<TuneSharpException>(() => TextTokenizer.FromPretrained(dir.File("missing"))).Message);
    }

    [Fact]
    public void VocabTxtWithEmptyLineNamesFileAndLine()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("vocab.txt"), "[PAD]\n[UNK]\n\n[CLS]\n[SEP]\n");
        var error = Assert.Throws<TuneSharpException>(() => TextTokenizer.FromPretrained(dir.Path));
        Assert.Contains("vocab.txt line 3 is empty", error.Message);
    }

    [Fact]
    public void VocabTxtFromDiskWithCrLfAndConfig()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("vocab.txt"), "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nhello\r\n##s\r\nHello\r\n");
        File.WriteAllText(dir.File("tokenizer_config.json"), """{"do_lower_case": false, "model_max_length": 1000000000000000019884624838656}""");
        var tokenizer = Assert.IsType<WordPieceTokenizer>(TextTokenizer.FromPretrained(dir.Path));
        Assert.False(tokenizer.LowerCase);
        Assert.Null(tokenizer.ModelMaxLength); // HF's "no limit" sentinel
        Assert.Equal(new[] { 2, 6, 4, 5, 3 }, tokenizer.Encode("Hello hellos").InputIds); // cased: "Hello" is id 6
        Assert.Equal("Hello hellos", tokenizer.Decode(new[] { 2, 6, 4, 5, 3 }));
        Assert.Null(tokenizer.SpecialTokens.MaskId); // no [MASK] line
    }

    [Fact]
    public void MalformedConfigJsonNamesFileAndLine()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n");
        File.WriteAllText(dir.File("tokenizer_config.json"), "{\n  \"do_lower_case\": true,\n  \"unk_token\": ,\n}");
        var error = Assert.Throws<TuneSharpException>(() => TextTokenizer.FromPretrained(dir.Path));
        Assert.Contains("tokenizer_config.json", error.Message);
        Assert.Contains("line 3", error.Message);

        File.WriteAllText(dir.File("tokenizer_config.json"), """{"do_lower_case": "yes"}""");
        Assert.Contains("\"do_lower_case\" must be true, false or null",
            Assert.Throws<TuneSharpException>(() => TextTokenizer.FromPretrained(dir.Path)).Message);
    }

    [Fact]
    public void ConfigReadsTokenObjectsAndSpecialTokensMapWins()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("tokenizer_config.json"), """
            {
              "bos_token": {"content": "<s>", "lstrip": false, "__type": "AddedToken"},
              "eos_token": "</s>", "pad_token": "<old>",
              "add_bos_token": true, "add_eos_token": false, "model_max_length": 2048,
              "tokenizer_class": "LlamaTokenizer", "padding_side": "left", "legacy": false,
              "strip_accents": null, "tokenize_chinese_chars": false, "clean_up_tokenization_spaces": false,
              "added_tokens_decoder": {"32000": {"content": "<pad>", "special": true, "lstrip": true}}
            }
            """);
        File.WriteAllText(dir.File("special_tokens_map.json"), """{"pad_token": {"content": "<pad>"}, "additional_special_tokens": ["<x>"]}""");
        var config = TokenizerConfig.Load(dir.Path);
        Assert.Equal("<s>", config.BosToken);
        Assert.Equal("</s>", config.EosToken);
        Assert.Equal("<pad>", config.PadToken);
        Assert.Equal(new[] { "<x>" }, config.AdditionalSpecialTokens);
        Assert.True(config.AddBosToken);
        Assert.False(config.AddEosToken);
        Assert.Equal(2048, config.ModelMaxLength);
        Assert.Equal("LlamaTokenizer", config.TokenizerClass);
        Assert.Equal(PaddingSide.Left, config.PaddingSide);
        Assert.False(config.Legacy);
        Assert.Null(config.StripAccents);
        Assert.False(config.TokenizeChineseChars);
        Assert.False(config.CleanUpTokenizationSpaces);
        Assert.Null(config.DoLowerCase);
        var added = Assert.Single(config.AddedTokensDecoder);
        Assert.Equal(new AddedTokenInfo(32000, "<pad>", Special: true, LStrip: true), added.Value);
        Assert.Equal(new[] { "tokenizer_config.json", "special_tokens_map.json" }, config.SourceFiles);
    }

    [Fact]
    public void MissingConfigFilesGiveEmptyConfig()
    {
        using var dir = new TempDir();
        var config = TokenizerConfig.Load(dir.Path);
        Assert.Null(config.UnkToken);
        Assert.Null(config.ModelMaxLength);
        Assert.Empty(config.SourceFiles);
    }

    [Fact]
    public void CorruptTokenizerModelIsAClearError()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("tokenizer.model"), new byte[] { 0xFF, 0xFF, 0xFF, 0x01, 0x02 });
        var error = Assert.Throws<TuneSharpException>(() => TextTokenizer.FromPretrained(dir.Path));
        Assert.Contains("tokenizer.model", error.Message);
    }
}
