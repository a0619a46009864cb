using System.Diagnostics;
using TuneSharp.Tests.Tokenization;
using TuneSharp.Tokenization;
using Xunit.Abstractions;

namespace TuneSharp.Tests.Fuzzing;

/// <summary>
/// Damaged tokenizer files (vocab.txt, tokenizer.json, vocab.json + merges.txt, SentencePiece tokenizer.model, and
/// the tokenizer_config.json read beside them) either load and then encode/decode without crashing, or fail with a
/// TuneSharpException naming the file. See <see cref="FileFuzzer"/> for the mutations and limits.
/// </summary>
public class TokenizerFileFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private const int Iterations = 1200;

    private static byte[] Utf8(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    private static readonly string[] WordPieceVocab =
    [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "un", "##aff", "##able", "na", "##ive", ",", ".", "!",
        "the", "a", "##s", "é", "😀", "good", "bad",
    ];

    private static readonly byte[] TokenizerConfig = Utf8(
        "{\"do_lower_case\": true, \"model_max_length\": 512, \"unk_token\": \"[UNK]\", \"pad_token\": \"[PAD]\", \"cls_token\": \"[CLS]\", \"sep_token\": \"[SEP]\"}");

    private static FileFuzzer.Seed WordPiece() => new("vocab.txt",
        new Dictionary<string, byte[]> { ["vocab.txt"] = Utf8(string.Join("\n", WordPieceVocab) + "\n"), ["tokenizer_config.json"] = TokenizerConfig },
        ["vocab.txt", "vocab.txt", "vocab.txt", "tokenizer_config.json"]);

    private static FileFuzzer.Seed TokenizerJson() => new("tokenizer.json",
        new Dictionary<string, byte[]> { ["tokenizer.json"] = Utf8(TokenizerJsonTestFiles.Bert(WordPieceVocab).ToJsonString()) },
        ["tokenizer.json"]);

    private static FileFuzzer.Seed ByteLevelBpe()
    {
        string[] vocab = ["H", "e", "l", "o", "Ġ", "w", "r", "d", "He", "lo", "Hel", "Ġw", "or", "Ġwor", "ld", "Hello", "Ã", "©", "Ã©", "<s>", "</s>", "<pad>", "<unk>"];
        string[] merges = ["#version: 0.2", "H e", "l o", "He l", "Ġ w", "o r", "Ġw or", "l d", "Hel lo", "Ã ©"];
        return new("vocab.json + merges.txt",
            new Dictionary<string, byte[]>
            {
                ["vocab.json"] = Utf8(TokenizerJsonTestFiles.Vocab(vocab).ToJsonString()),
                ["merges.txt"] = Utf8(string.Join("\n", merges) + "\n"),
            },
            ["vocab.json", "merges.txt"]);
    }

    private static FileFuzzer.Seed SentencePiece(string modelDir) => new("tokenizer.model",
        new Dictionary<string, byte[]> { ["tokenizer.model"] = File.ReadAllBytes(Path.Combine(modelDir, SentencePieceTokenizer.ModelFileName)) },
        ["tokenizer.model"]);

    /// <summary>Loads the folder's tokenizer and uses it: a tokenizer that loads must also work.</summary>
    private static void LoadAndUse(string folder)
    {
        var tokenizer = TextTokenizer.FromPretrained(folder);
        var encoding = tokenizer.Encode("Hello world, unaffable naïve é 😀 [SEP] good!", "the pair");
        tokenizer.Decode(encoding.InputIds, skipSpecialTokens: false);
        tokenizer.Decode(encoding.InputIds);
        _ = tokenizer.IdToToken(tokenizer.VocabSize - 1);
    }

    private void Fuzz(FileFuzzer.Seed seed)
    {
        // The unmutated seed must load, or the fuzzer would only ever exercise the first error it meets.
        var valid = _tmp.File("valid-" + seed.Files.Keys.First());
        Directory.CreateDirectory(valid);
        foreach (var (name, bytes) in seed.Files) File.WriteAllBytes(Path.Combine(valid, name), bytes);
        LoadAndUse(valid);

        var clock = Stopwatch.StartNew();
        var outcomes = FileFuzzer.Run(_tmp.Path, [seed], Iterations, LoadAndUse);
        output.WriteLine($"{seed.Name}: {outcomes} in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(Iterations, outcomes.Accepted + outcomes.Rejected);
        Assert.True(outcomes.Rejected > 0, "no mutation was rejected: the mutations do not reach the parser");
    }

    [Fact]
    public void DamagedVocabTxtLoadsOrFailsWithANamedError() => Fuzz(WordPiece());

    [Fact]
    public void DamagedTokenizerJsonLoadsOrFailsWithANamedError() => Fuzz(TokenizerJson());

    [Fact]
    public void DamagedVocabJsonAndMergesLoadOrFailWithANamedError() => Fuzz(ByteLevelBpe());

    /// <summary>A Unigram model with a precompiled charsmap (Tokenization/Fixtures/spm/xlmr_like.model), as XLM-RoBERTa ships it.</summary>
    [Fact]
    public void DamagedSentencePieceUnigramModelLoadsOrFailsWithANamedError() => Fuzz(new("sentencepiece.bpe.model",
        new Dictionary<string, byte[]>
        {
            ["sentencepiece.bpe.model"] = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Tokenization", "Fixtures", "spm", "xlmr_like.model")),
        },
        ["sentencepiece.bpe.model"]));

    [SkippableFact]
    public void DamagedSentencePieceModelLoadsOrFailsWithANamedError() => Fuzz(SentencePiece(SharedData.RequireModel("stories260K")));
}
