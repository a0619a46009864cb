using System.Text.Json.Nodes;
using TuneSharp.Tokenization;

namespace TuneSharp.Tests.Tokenization;

/// <summary>
/// The tiny models of Fixtures/make_spm_fixtures.py through transformers' own slow tokenizer classes
/// (Fixtures/spm/slow_tokenizers.json, written by make_spm_slow_fixtures.py in the reference environment): transformers'
/// XLMRobertaTokenizer, CamembertTokenizer, DebertaV2Tokenizer and T5Tokenizer over the real sentencepiece library
/// (0.1.97), so the segmentations, the charsmap normalisation and byte fallback are SentencePiece's own, and everything
/// around them (id offsets, added tokens and their lstrip/rstrip, templates, token types, decoding) is transformers'.
/// </summary>
public class SentencePieceSlowTokenizerTests
{
    private static readonly JsonObject Fixture = JsonNode.Parse(File.ReadAllText(
        Path.Combine(AppContext.BaseDirectory, "Tokenization", "Fixtures", "spm", "slow_tokenizers.json")))!.AsObject();

    public static TheoryData<string> Cases() => new(Fixture.Select(kv => kv.Key));

    private static SentencePieceTokenizer Load(TempDir dir, string name)
    {
        var (model, file, config) = name switch
        {
            "xlmr" => ("xlmr_like.model", "sentencepiece.bpe.model", """{"tokenizer_class": "XLMRobertaTokenizer"}"""),
            "camembert" => ("xlmr_like.model", "sentencepiece.bpe.model", """{"tokenizer_class": "CamembertTokenizer"}"""),
            "deberta" => ("deberta_like.model", "spm.model", """{"tokenizer_class": "DebertaV2Tokenizer"}"""),
            "deberta_lower" => ("deberta_like.model", "spm.model", """{"tokenizer_class": "DebertaV2Tokenizer", "do_lower_case": true}"""),
            "deberta_punct" => ("deberta_like.model", "spm.model", """{"tokenizer_class": "DebertaV2Tokenizer", "split_by_punct": true}"""),
            "t5" => ("t5_like_bytes.model", "spiece.model", """{"tokenizer_class": "T5Tokenizer"}"""),
            _ => throw new ArgumentException(name),
        };
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Tokenization", "Fixtures", "spm", model), dir.File(file));
        File.WriteAllText(dir.File("tokenizer_config.json"), config);
        return Assert.IsType<SentencePieceTokenizer>(TextTokenizer.FromPretrained(dir.Path));
    }

    private static string Show(IEnumerable<int> ids) => string.Join(", ", ids);

    private static int[] Ints(JsonNode? node) => node!.AsArray().Select(v => v!.GetValue<int>()).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void IdsTemplatesAndDecodingMatchTransformers(string name)
    {
        using var dir = new TempDir();
        var tok = Load(dir, name);
        var expected = Fixture[name]!;
        Assert.Equal(expected["class"]!.GetValue<string>(), tok.TokenizerClass);
        Assert.Equal(expected["vocab_size"]!.GetValue<int>(), tok.VocabSize);
        var specials = expected["special_ids"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<int>());
        var actual = new Dictionary<string, int?>
        {
            ["bos"] = tok.SpecialTokens.BosId, ["eos"] = tok.SpecialTokens.EosId, ["unk"] = tok.SpecialTokens.UnkId, ["sep"] = tok.SpecialTokens.SepId,
            ["pad"] = tok.SpecialTokens.PadId, ["cls"] = tok.SpecialTokens.ClsId, ["mask"] = tok.SpecialTokens.MaskId,
        };
        foreach (var (key, id) in specials) Assert.Equal((key, (int?)id), (key, actual[key]));

        foreach (var row in expected["singles"]!.AsArray())
        {
            var text = row!["text"]!.GetValue<string>();
            var ids = Ints(row["input_ids"]);
            var e = tok.Encode(text);
            Assert.Equal($"{text}: {Show(ids)}", $"{text}: {Show(e.InputIds)}");
            Assert.Equal((text, row["decoded"]!.GetValue<string>()), (text, tok.Decode(ids)));
            Assert.Equal((text, row["decoded_with_special"]!.GetValue<string>()), (text, tok.Decode(ids, skipSpecialTokens: false)));
            // Offsets stay inside the text and in order.
            foreach (var (s, end) in e.Offsets) Assert.True(0 <= s && s <= end && end <= text.Length, $"{text}: offset ({s}, {end})");
        }
        foreach (var row in expected["pairs"]!.AsArray())
        {
            var (a, b) = (row!["text"]!.GetValue<string>(), row["pair"]!.GetValue<string>());
            var e = tok.Encode(a, b);
            Assert.Equal($"{a} | {b}: {Show(Ints(row["input_ids"]))}", $"{a} | {b}: {Show(e.InputIds)}");
            Assert.Equal($"{a} | {b}: {Show(Ints(row["token_type_ids"]))}", $"{a} | {b}: {Show(e.TokenTypeIds)}");
        }
    }
}
