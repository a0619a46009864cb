using System.Buffers.Binary;
using System.Text.Json.Nodes;
using TuneSharp.Tokenization;

namespace TuneSharp.Tests.Tokenization;

/// <summary>Malformed SentencePiece models are refused with a message naming the file and the field, as SentencePiece
/// itself refuses them (ModelInterface::InitializePieces, Normalizer::DecodePrecompiledCharsMap).</summary>
public class SentencePieceModelFileTests
{
    /// <summary>Writes a ModelProto by hand (proto2 wire format; field numbers from sentencepiece_model.proto, as in
    /// Fixtures/make_spm_fixtures.py).</summary>
    private static byte[] Model(IEnumerable<(string Piece, float Score, int Type)> pieces, int modelType = 1, bool byteFallback = false,
                                byte[]? charsMap = null)
    {
        var output = new List<byte>();
        void Varint(List<byte> o, ulong v) { while (v >= 0x80) { o.Add((byte)(v | 0x80)); v >>= 7; } o.Add((byte)v); }
        void Bytes(List<byte> o, int field, byte[] b) { Varint(o, (ulong)(field << 3 | 2)); Varint(o, (ulong)b.Length); o.AddRange(b); }
        foreach (var (piece, score, type) in pieces)
        {
            var p = new List<byte>();
            Bytes(p, 1, System.Text.Encoding.UTF8.GetBytes(piece));
            Varint(p, 2 << 3 | 5);
            var f = new byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(f, score);
            p.AddRange(f);
            Varint(p, 3 << 3); Varint(p, (ulong)type);
            Bytes(output, 1, p.ToArray());
        }
        var trainer = new List<byte>();
        Varint(trainer, 3 << 3); Varint(trainer, (ulong)modelType);
        Varint(trainer, 35 << 3); Varint(trainer, byteFallback ? 1UL : 0UL);
        Bytes(output, 2, trainer.ToArray());
        var normalizer = new List<byte>();
        Bytes(normalizer, 1, "nmt_nfkc"u8.ToArray());
        if (charsMap is not null) Bytes(normalizer, 2, charsMap);
        Bytes(output, 3, normalizer.ToArray());
        return output.ToArray();
    }

    private static readonly (string, float, int)[] Valid = [("<unk>", 0, 2), ("<s>", 0, 3), ("</s>", 0, 3), ("▁", -1, 1), ("a", -2, 1)];

    private static string Refusal(byte[] model, string fileName = "spiece.model")
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File(fileName), model);
        var error = Assert.Throws<TuneSharpException>(() => TextTokenizer.FromPretrained(dir.Path));
        Assert.Contains(fileName, error.Message);
        return error.Message;
    }

    private static byte[] FixtureCharsMap() => Convert.FromBase64String(JsonNode.Parse(File.ReadAllText(
        Path.Combine(AppContext.BaseDirectory, "Tokenization", "Fixtures", "spm", "xlmr_like_pieces.json")))!["precompiled_charsmap"]!.GetValue<string>());

    [Fact]
    public void AValidHandWrittenModelLoads()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("spiece.model"), Model(Valid, charsMap: FixtureCharsMap()));
        var tok = TextTokenizer.FromPretrained(dir.Path);
        Assert.Equal([3, 4], tok.Tokenize("ａ").Select(t => t.Id)); // full-width ａ → a by the charsmap: ▁ a
    }

    [Fact]
    public void BrokenCharsMapsNameTheField()
    {
        var cmap = FixtureCharsMap();
        int trie = (int)BinaryPrimitives.ReadUInt32LittleEndian(cmap);
        var tooBig = (byte[])cmap.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(tooBig, (uint)cmap.Length);
        var message = Refusal(Model(Valid, charsMap: tooBig));
        Assert.Contains("normalizer_spec.precompiled_charsmap", message);
        Assert.Contains("trie size", message);

        // The trie kept, the replacement strings cut: its rules now point past them.
        message = Refusal(Model(Valid, charsMap: cmap[..(4 + trie + 1)]));
        Assert.Contains("normalizer_spec.precompiled_charsmap", message);
        Assert.Contains("past the", message);

        Assert.Contains("4-byte trie size", Refusal(Model(Valid, charsMap: [1, 0, 0])));
    }

    [Fact]
    public void PieceProblemsNameThePiece()
    {
        Assert.Contains("exactly one piece of type UNKNOWN", Refusal(Model(Valid.Where(p => p.Item3 != 2))));
        Assert.Contains("pieces[5]", Refusal(Model(Valid.Append(("▁", -3, 1)))));
        Assert.Contains("defined twice", Refusal(Model(Valid.Append(("▁", -3, 1)))));
        Assert.Contains("byte_fallback is false", Refusal(Model(Valid.Append(("<0x41>", 0, 6)))));
        Assert.Contains("1 of the 256 byte pieces", Refusal(Model(Valid.Append(("<0x41>", 0, 6)), byteFallback: true)));
        Assert.Contains("is empty", Refusal(Model(Valid.Append(("", -3, 1)))));
        Assert.Contains("unknown type 9", Refusal(Model(Valid.Append(("b", -3, 9)))));
        Assert.Contains("word model", Refusal(Model(Valid, modelType: 3)));
    }

    /// <summary>Found by the fuzzer: a two-piece XLM-R model put its &lt;mask&gt; on id 3, &lt;unk&gt;'s, and failed with ArgumentException.</summary>
    [Fact]
    public void An_xlm_roberta_model_too_small_for_its_fairseq_ids_is_refused()
    {
        var message = Refusal(Model([("<unk>", 0, 2), ("a", -1, 1)]), "sentencepiece.bpe.model");
        Assert.Contains("has 2 SentencePiece pieces", message);
        Assert.Contains("<mask> id would collide", message);
    }
}
