using System.Text.Json;
using TuneSharp.Tokenization;
using static TuneSharp.Tests.Tokenization.TokenizationTestHelpers;

namespace TuneSharp.Tests.Tokenization;

/// <summary>WordPiece against the all-MiniLM-L6-v2 golden batch (10 sentences padded to 23 tokens).</summary>
public class MiniLmWordPieceTests
{
    private sealed record Golden(string[] Sentences, string[][] Tokens, int[][] InputIds, int[][] AttentionMask);

    private static (TextTokenizer Tokenizer, Golden Golden) Load()
    {
        var dir = SharedData.RequireModel("all-MiniLM-L6-v2");
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "golden_hidden.json")));
        var root = doc.RootElement;
        T[][] Matrix<T>(string name) => root.GetProperty(name).EnumerateArray()
            .Select(row => row.EnumerateArray().Select(v => v.Deserialize<T>()!).ToArray()).ToArray();
        var golden = new Golden(
            root.GetProperty("sentences").EnumerateArray().Select(s => s.GetString()!).ToArray(),
            Matrix<string>("tokens"), Matrix<int>("input_ids"), Matrix<int>("attention_mask"));
        // The file states token_type_ids as the text "all zeros, same shape as input_ids".
        Assert.Equal("all zeros, same shape as input_ids", root.GetProperty("token_type_ids").GetString());
        return (TextTokenizer.FromPretrained(dir), golden);
    }

    [SkippableFact]
    public void LoaderPicksWordPieceWithConfigSettings()
    {
        var (tokenizer, _) = Load();
        var wordPiece = Assert.IsType<WordPieceTokenizer>(tokenizer);
        Assert.Equal("WordPiece", tokenizer.Kind);
        Assert.Equal(30522, tokenizer.VocabSize);
        Assert.Equal(512, tokenizer.ModelMaxLength);
        Assert.True(wordPiece.LowerCase);
        Assert.True(wordPiece.StripAccents);
        Assert.Equal((0, 100, 101, 102, 103), (tokenizer.SpecialTokens.PadId, tokenizer.SpecialTokens.UnkId,
            tokenizer.SpecialTokens.ClsId, tokenizer.SpecialTokens.SepId, tokenizer.SpecialTokens.MaskId));
        Assert.Contains("vocab.txt", tokenizer.SourceFiles);
        Assert.Contains("tokenizer_config.json", tokenizer.SourceFiles);
    }

    [SkippableFact]
    public void BatchMatchesGoldenIdsMaskAndTokens()
    {
        var (tokenizer, golden) = Load();
        var batch = tokenizer.EncodeBatch(golden.Sentences, options: new EncodeOptions { Padding = PaddingStrategy.Longest });

        Assert.Equal(10, batch.Count);
        for (int b = 0; b < batch.Count; b++)
        {
            Assert.Equal(23, batch[b].Length);
            Assert.Equal(golden.InputIds[b], batch[b].InputIds);
            Assert.Equal(golden.AttentionMask[b], batch[b].AttentionMask);
            Assert.All(batch[b].TokenTypeIds, t => Assert.Equal(0, t));
            // The golden "tokens" come from Microsoft.ML.Tokenizers, which reports continuation pieces without
            // their "##" (e.g. "bel" for id 8671, whose vocab.txt line is "##bel"); our tokens are the vocab strings.
            int real = golden.Tokens[b].Length;
            Assert.Equal(golden.Tokens[b], batch[b].Tokens.Take(real).Select(t => t.StartsWith("##") ? t[2..] : t).ToArray());
            Assert.All(batch[b].Tokens.Skip(real), t => Assert.Equal("[PAD]", t));
        }
    }

    [SkippableFact]
    public void ToTensorsGivesInt64BatchOfGoldenIds()
    {
        var (tokenizer, golden) = Load();
        var batch = tokenizer.EncodeBatch(golden.Sentences, options: new EncodeOptions { Padding = PaddingStrategy.Longest });
        var (ids, mask, types) = EncodingTensors.ToTensors(batch);
        using (ids) using (mask) using (types)
        {
            Assert.Equal(new long[] { 10, 23 }, ids.shape);
            Assert.Equal(TorchSharp.torch.ScalarType.Int64, ids.dtype);
            Assert.Equal(golden.InputIds.SelectMany(r => r).Select(v => (long)v).ToArray(), ids.data<long>().ToArray());
            Assert.Equal(golden.AttentionMask.SelectMany(r => r).Select(v => (long)v).ToArray(), mask.data<long>().ToArray());
            Assert.All(types.data<long>().ToArray(), v => Assert.Equal(0L, v));
        }
    }

    [SkippableFact]
    public void OffsetsPointAtTheTokenTextInTheOriginalSentence()
    {
        var (tokenizer, golden) = Load();
        int checkedTokens = 0;
        foreach (var sentence in golden.Sentences)
        {
            var encoding = tokenizer.Encode(sentence);
            for (int t = 0; t < encoding.Length; t++)
            {
                var (start, end) = encoding.Offsets[t];
                if (encoding.SpecialTokensMask[t]) { Assert.Equal((0, 0), (start, end)); continue; }
                var token = encoding.Tokens[t];
                Assert.Equal(token.StartsWith("##") ? token[2..] : token, Uncased(sentence.Substring(start, end - start)));
                checkedTokens++;
            }
        }
        Assert.Equal(golden.AttentionMask.Sum(r => r.Sum()) - 2 * 10, checkedTokens);
    }

    [SkippableFact]
    public void SequenceIdsAndSpecialMaskFollowTheTemplate()
    {
        var (tokenizer, _) = Load();
        var e = tokenizer.Encode("The cat");
        Assert.Equal(new[] { 101, 1996, 4937, 102 }, e.InputIds);
        Assert.Equal(new int?[] { null, 0, 0, null }, e.SequenceIds);
        Assert.Equal(new[] { true, false, false, true }, e.SpecialTokensMask);
        Assert.Equal(new[] { (0, 0), (0, 3), (4, 7), (0, 0) }, e.Offsets);
    }

    [SkippableFact]
    public void DecodeRoundTripIsUncasedWithHfCleanup()
    {
        var (tokenizer, golden) = Load();
        // Expected strings derived by hand from the golden tokens with HF's rules: join with spaces, glue "##" pieces,
        // then clean_up_tokenization (" ." → ".", " !" → "!", " ," → ",", " ' " → "'"). Note "3 . 14159" → "3. 14159":
        // HF's clean-up only removes the space before the period.
        var expected = new[]
        {
            "the weather is lovely today.",
            "it's so sunny outside!",
            "he drove to the stadium.",
            "the new movie is awesome",
            "the cat sits outside",
            "a man is playing guitar",
            "the dog plays in the garden",
            "the new movie is so great",
            "a woman watches tv",
            "naive cafe owners can't believe unbelievably long tokenization, 3. 14159!",
        };
        for (int b = 0; b < golden.Sentences.Length; b++)
            Assert.Equal(expected[b], tokenizer.Decode(golden.InputIds[b])); // pads and [CLS]/[SEP] are skipped

        Assert.Equal("[CLS] the cat [SEP] [PAD]", tokenizer.Decode(new[] { 101, 1996, 4937, 102, 0 }, skipSpecialTokens: false));
    }
}
