using TuneSharp.Tokenization;
using static TuneSharp.Tests.Tokenization.TokenizationTestHelpers;

namespace TuneSharp.Tests.Tokenization;

/// <summary>
/// The shared Encode pipeline (template, truncation, padding, masks) on a letter vocabulary:
/// [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4 a=5 b=6 c=7 d=8 e=9, so each letter word is one token.
/// </summary>
public class EncodePipelineTests
{
    private const int Pad = 0, Cls = 2, Sep = 3, A = 5, B = 6, C = 7;

    [Fact]
    public void PairGetsBertTemplateTypeIdsAndSequenceIds()
    {
        var e = LetterTokenizer().Encode("a a", "b c");
        Assert.Equal(new[] { Cls, A, A, Sep, B, C, Sep }, e.InputIds);
        Assert.Equal(new[] { 0, 0, 0, 0, 1, 1, 1 }, e.TokenTypeIds);
        Assert.Equal(new int?[] { null, 0, 0, null, 1, 1, null }, e.SequenceIds);
        Assert.Equal(new[] { true, false, false, true, false, false, true }, e.SpecialTokensMask);
        Assert.Equal(new[] { 1, 1, 1, 1, 1, 1, 1 }, e.AttentionMask);
        // Offsets of the second sequence refer to the second text.
        Assert.Equal(new[] { (0, 0), (0, 1), (2, 3), (0, 0), (0, 1), (2, 3), (0, 0) }, e.Offsets);
        Assert.Equal(0, e.NumTruncatedTokens);
    }

    [Fact]
    public void WithoutSpecialTokensSequencesFollowEachOther()
    {
        var e = LetterTokenizer().Encode("a a", "b", new EncodeOptions { AddSpecialTokens = false });
        Assert.Equal(new[] { A, A, B }, e.InputIds);
        Assert.Equal(new[] { 0, 0, 1 }, e.TokenTypeIds);
        Assert.Equal(new int?[] { 0, 0, 1 }, e.SequenceIds);
    }

    [Fact]
    public void LongestFirstRemovesFromTheLongerOneTokenAtATime()
    {
        // 6 + 4 tokens + 3 specials = 13 > 10: remove 3. 6>4 → 5; 5>4 → 4; tie 4=4 → the second loses one → 4 + 3.
        // (HF's longest_first, slow and fast, both give 4 + 3 here.)
        var options = new EncodeOptions { MaxLength = 10, Truncation = TruncationStrategy.LongestFirst };
        var e = LetterTokenizer().Encode("a a a a a a", "b b b b", options);
        Assert.Equal(new[] { Cls, A, A, A, A, Sep, B, B, B, Sep }, e.InputIds);
        Assert.Equal(3, e.NumTruncatedTokens);
        Assert.Equal(new[] { 0, 0, 0, 0, 0, 0, 1, 1, 1, 1 }, e.TokenTypeIds);

        // Equal lengths: 5 + 5 + 3 specials = 13, max 8 → remove 5, ties from the second:
        // (5,5)→(5,4)→(4,4)→(4,3)→(3,3)→(3,2).
        var even = LetterTokenizer().Encode("a a a a a", "b b b b b", options with { MaxLength = 8 });
        Assert.Equal(new[] { Cls, A, A, A, Sep, B, B, Sep }, even.InputIds);
    }

    [Fact]
    public void SingleTextIsTruncatedKeepingSpecials()
    {
        var e = LetterTokenizer().Encode("a b c d e", options: new EncodeOptions { MaxLength = 4 });
        Assert.Equal(new[] { Cls, A, B, Sep }, e.InputIds);
        Assert.Equal(3, e.NumTruncatedTokens);
        // No truncation when MaxLength is not set or truncation is off.
        Assert.Equal(7, LetterTokenizer().Encode("a b c d e").Length);
        Assert.Equal(7, LetterTokenizer().Encode("a b c d e", options: new EncodeOptions { MaxLength = 4, Truncation = TruncationStrategy.DoNotTruncate }).Length);
    }

    [Fact]
    public void OnlySecondAndOnlyFirstCutTheNamedSequence()
    {
        var tokenizer = LetterTokenizer();
        // 3 + 6 + 3 specials = 12, max 8 → the second loses 4 → 3 + 2.
        var second = tokenizer.Encode("a a a", "b b b b b b", new EncodeOptions { MaxLength = 8, Truncation = TruncationStrategy.OnlySecond });
        Assert.Equal(new[] { Cls, A, A, A, Sep, B, B, Sep }, second.InputIds);
        Assert.Equal(4, second.NumTruncatedTokens);

        // 6 + 2 + 3 = 11, max 8 → the first loses 3 → 3 + 2.
        var first = tokenizer.Encode("a a a a a a", "b b", new EncodeOptions { MaxLength = 8, Truncation = TruncationStrategy.OnlyFirst });
        Assert.Equal(new[] { Cls, A, A, A, Sep, B, B, Sep }, first.InputIds);
    }

    [Fact]
    public void ImpossibleTruncationIsAClearError()
    {
        var tokenizer = LetterTokenizer();
        // OnlySecond with a long first text: 6 + 2 + 3 = 11, max 8 → 3 must go but the second has only 2.
        var onlySecond = Assert.Throws<TuneSharpException>(() =>
            tokenizer.Encode("a a a a a a", "b b", new EncodeOptions { MaxLength = 8, Truncation = TruncationStrategy.OnlySecond }));
        Assert.Contains("OnlySecond", onlySecond.Message);
        Assert.Contains("second sequence has only 2", onlySecond.Message);

        var single = Assert.Throws<TuneSharpException>(() =>
            tokenizer.Encode("a a a a", options: new EncodeOptions { MaxLength = 4, Truncation = TruncationStrategy.OnlySecond }));
        Assert.Contains("no second sequence", single.Message);

        var tooSmall = Assert.Throws<TuneSharpException>(() => tokenizer.Encode("a", "b", new EncodeOptions { MaxLength = 2 }));
        Assert.Contains("special tokens alone take 3", tooSmall.Message);

        var batch = Assert.Throws<TuneSharpException>(() => tokenizer.EncodeBatch(new[] { "a", "a a a" }, new[] { "b", "b b b b" },
            new EncodeOptions { MaxLength = 5, Truncation = TruncationStrategy.OnlyFirst }));
        Assert.Contains("batch item 1", batch.Message);
        Assert.Throws<TuneSharpException>(() => tokenizer.EncodeBatch(new[] { "a" }, new[] { "b", "c" }));
    }

    [Fact]
    public void PaddingLongestRightAndLeft()
    {
        var tokenizer = LetterTokenizer();
        var right = tokenizer.EncodeBatch(new[] { "a", "a b c" }, options: new EncodeOptions { Padding = PaddingStrategy.Longest });
        Assert.Equal(new[] { Cls, A, Sep, Pad, Pad }, right[0].InputIds);
        Assert.Equal(new[] { 1, 1, 1, 0, 0 }, right[0].AttentionMask);
        Assert.Equal(new[] { true, false, true, true, true }, right[0].SpecialTokensMask);
        Assert.Equal(new int?[] { null, 0, null, null, null }, right[0].SequenceIds);
        Assert.Equal(new[] { (0, 0), (0, 1), (0, 0), (0, 0), (0, 0) }, right[0].Offsets);
        Assert.Equal(new[] { "[CLS]", "a", "[SEP]", "[PAD]", "[PAD]" }, right[0].Tokens);
        Assert.Equal(new[] { Cls, A, B, C, Sep }, right[1].InputIds);

        var left = tokenizer.EncodeBatch(new[] { "a", "a b c" }, options: new EncodeOptions { Padding = PaddingStrategy.Longest, PaddingSide = PaddingSide.Left });
        Assert.Equal(new[] { Pad, Pad, Cls, A, Sep }, left[0].InputIds);
        Assert.Equal(new[] { 0, 0, 1, 1, 1 }, left[0].AttentionMask);
        Assert.Equal(new[] { (0, 0), (0, 0), (0, 0), (0, 1), (0, 0) }, left[0].Offsets);

        // A single Encode with Longest padding has nothing to pad to.
        Assert.Equal(3, tokenizer.Encode("a", options: new EncodeOptions { Padding = PaddingStrategy.Longest }).Length);
    }

    [Fact]
    public void PaddingToMaxLengthAndMultiples()
    {
        var tokenizer = LetterTokenizer();
        var max = tokenizer.Encode("a", options: new EncodeOptions { Padding = PaddingStrategy.MaxLength, MaxLength = 6 });
        Assert.Equal(new[] { Cls, A, Sep, Pad, Pad, Pad }, max.InputIds);

        // Longest is 5 → rounded up to 8.
        var multiple = tokenizer.EncodeBatch(new[] { "a", "a b c" }, options: new EncodeOptions { Padding = PaddingStrategy.Longest, PadToMultipleOf = 4 });
        Assert.All(multiple, e => Assert.Equal(8, e.Length));
        Assert.Equal(new[] { 1, 1, 1, 1, 1, 0, 0, 0 }, multiple[1].AttentionMask);

        // Pair padding: type ids of pads are 0 (HF's pad_token_type_id).
        var pair = tokenizer.EncodeBatch(new[] { "a", "a" }, new[] { "b", "b b" }, new EncodeOptions { Padding = PaddingStrategy.Longest });
        Assert.Equal(new[] { 0, 0, 0, 1, 1, 0 }, pair[0].TokenTypeIds);

        Assert.Throws<TuneSharpException>(() => tokenizer.Encode("a", options: new EncodeOptions { Padding = PaddingStrategy.MaxLength }));
    }

    [Fact]
    public void PaddingWithoutPadTokenSaysToSetOne()
    {
        var tokenizer = LetterTokenizer(withPad: false);
        var error = Assert.Throws<TuneSharpException>(() =>
            tokenizer.EncodeBatch(new[] { "a", "a b" }, options: new EncodeOptions { Padding = PaddingStrategy.Longest }));
        Assert.Contains("no pad token", error.Message);
        Assert.Contains("SetPadToken", error.Message);
        // Equal lengths need no pad token.
        Assert.Equal(2, tokenizer.EncodeBatch(new[] { "a", "b" }, options: new EncodeOptions { Padding = PaddingStrategy.Longest }).Count);
    }

    [Fact]
    public void ToTensorsRequiresEqualLengths()
    {
        var tokenizer = LetterTokenizer();
        var ragged = tokenizer.EncodeBatch(new[] { "a", "a b c" });
        var error = Assert.Throws<TuneSharpException>(() => EncodingTensors.ToTensors(ragged));
        Assert.Contains("item 1 has 5", error.Message);
        Assert.Throws<TuneSharpException>(() => EncodingTensors.ToTensors(Array.Empty<Encoding>()));

        var padded = tokenizer.EncodeBatch(new[] { "a" }, new[] { "b c" }, new EncodeOptions { Padding = PaddingStrategy.MaxLength, MaxLength = 7 });
        var (ids, mask, types) = EncodingTensors.ToTensors(padded);
        using (ids) using (mask) using (types)
        {
            Assert.Equal(new long[] { 1, 7 }, ids.shape);
            Assert.Equal(new long[] { Cls, A, Sep, B, C, Sep, Pad }, ids.data<long>().ToArray());
            Assert.Equal(new long[] { 1, 1, 1, 1, 1, 1, 0 }, mask.data<long>().ToArray());
            Assert.Equal(new long[] { 0, 0, 0, 1, 1, 1, 0 }, types.data<long>().ToArray());
        }
    }
}
