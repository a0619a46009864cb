using TuneSharp.Tokenization;
using Ml = Microsoft.ML.Tokenizers;

namespace TuneSharp.Tests.Tokenization;

/// <summary>
/// Hand-checked WordPiece cases on the bert-base-uncased vocab of all-MiniLM-L6-v2. Every expected id was looked up
/// in vocab.txt (id = line number − 1, e.g. `grep -nx cafe vocab.txt` → line 7669 → id 7668) after applying BERT's
/// basic tokenizer rules by hand; none was copied from this implementation's output.
/// </summary>
public class WordPieceTrickyTextTests
{
    private const int Cls = 101, Sep = 102, Unk = 100, Mask = 103;

    private static TextTokenizer Bert() => TextTokenizer.FromPretrained(SharedData.RequireModel("all-MiniLM-L6-v2"));

    [SkippableFact]
    public void AccentsAreStrippedAndOffsetsCoverTheAccentedChars()
    {
        var bert = Bert();
        // Uncased BERT: lower-case, NFD, drop Mn → "cafe" (line 7669 → 7668), "naive" (line 15744 → 15743).
        var e = bert.Encode("café naïve");
        Assert.Equal(new[] { Cls, 7668, 15743, Sep }, e.InputIds);
        Assert.Equal(new[] { (0, 0), (0, 4), (5, 10), (0, 0) }, e.Offsets);

        // Decomposed input "e" + U+0301: the combining accent is dropped and its char joins the "e" span, so the
        // token covers all 5 UTF-16 chars of the caller's string.
        var decomposed = bert.Encode("cafe\u0301");
        Assert.Equal(new[] { Cls, 7668, Sep }, decomposed.InputIds);
        Assert.Equal((0, 5), decomposed.Offsets[1]);
    }

    [SkippableFact]
    public void EachCjkIdeographIsItsOwnWord()
    {
        var bert = Bert();
        // BERT puts spaces around CJK ideographs: 日 (line 1865 → 1864), 本 (line 1877 → 1876).
        Assert.Equal(new[] { Cls, 1864, 1876, Sep }, bert.Encode("日本").InputIds);
        // 中 (1746), 文 (1861); 字 has no line in vocab.txt, so that one-char word is [UNK].
        var e = bert.Encode("中文字");
        Assert.Equal(new[] { Cls, 1746, 1861, Unk, Sep }, e.InputIds);
        Assert.Equal(new[] { (0, 0), (0, 1), (1, 2), (2, 3), (0, 0) }, e.Offsets);
    }

    [SkippableFact]
    public void EmojiIsUnknownAndSpoilsItsWholeWord()
    {
        var bert = Bert();
        // 😀 (So, not punctuation) has no vocab line → [UNK], spanning both UTF-16 chars.
        var e = bert.Encode("😀");
        Assert.Equal(new[] { Cls, Unk, Sep }, e.InputIds);
        Assert.Equal((0, 2), e.Offsets[1]);
        // "hello😀" is one word; "hello" matches but "##😀" does not, so WordPiece gives up on the whole word.
        Assert.Equal(new[] { Cls, Unk, Sep }, bert.Encode("hello😀").InputIds);
    }

    [SkippableFact]
    public void PunctuationRunsSplitIntoSingleChars()
    {
        // Each punctuation char is its own word: "!" is line 1000 → 999.
        Assert.Equal(new[] { Cls, 999, 999, 999, Sep }, Bert().Encode("!!!").InputIds);
    }

    [SkippableFact]
    public void AsciiSymbolsCountAsPunctuation()
    {
        // BERT treats every ASCII char in 33–47, 58–64, 91–96, 123–126 as punctuation, so "$100" is "$" (line 1003 → 1002)
        // and "100" (line 2532 → 2531); "%" is line 1004 → 1003. (Microsoft.ML.Tokenizers 2.0.1 drops the "$" here,
        // so this case is checked by hand instead of against that library.)
        Assert.Equal(new[] { Cls, 1002, 2531, 1003, Sep }, Bert().Encode("$100%").InputIds);
        // "×" (U+00D7) is a math symbol (Sm), not punctuation, so "5×2" stays one word: "5" (line 1020 → 1019),
        // "##×" (line 26307 → 26306), "##2" (line 2476 → 2475). Microsoft.ML.Tokenizers 2.0.1 drops the "×".
        Assert.Equal(new[] { Cls, 1019, 26306, 2475, Sep }, Bert().Encode("5×2").InputIds);
    }

    [SkippableFact]
    public void WhitespaceRunsTabsAndNewlinesOnlySeparate()
    {
        var text = "a\t\tb\n\nc   d";
        var e = Bert().Encode(text);
        // a, b, c, d are lines 1038..1041 → ids 1037..1040; offsets are the letters' indices in `text`.
        Assert.Equal(new[] { Cls, 1037, 1038, 1039, 1040, Sep }, e.InputIds);
        Assert.Equal(new[] { (0, 1), (3, 4), (6, 7), (10, 11) }, e.Offsets[1..^1]);
    }

    [SkippableFact]
    public void WordsLongerThan100CharsAreUnknown()
    {
        var bert = Bert();
        var e = bert.Encode(new string('a', 150));
        Assert.Equal(new[] { Cls, Unk, Sep }, e.InputIds);
        Assert.Equal((0, 150), e.Offsets[1]);
        Assert.Equal(new[] { Cls, Unk, Sep }, bert.Encode(new string('a', 101)).InputIds); // limit is > 100 chars
    }

    [SkippableFact]
    public void EmptyAndWhitespaceOnlyTextGiveOnlyTheTemplate()
    {
        var bert = Bert();
        Assert.Equal(new[] { Cls, Sep }, bert.Encode("").InputIds);
        Assert.Equal(new[] { Cls, Sep }, bert.Encode(" \t\n ").InputIds);
    }

    [SkippableFact]
    public void ControlAndFormatCharsAreRemoved()
    {
        // U+200B (Cf) is dropped by BERT's clean-up, so "hel\u200Blo" is "hello" (line 7593 → 7592); its span covers all 6 chars.
        var e = Bert().Encode("hel\u200Blo");
        Assert.Equal(new[] { Cls, 7592, Sep }, e.InputIds);
        Assert.Equal((0, 6), e.Offsets[1]);
    }

    [SkippableFact]
    public void SpecialTokensWrittenInTextStayWhole()
    {
        // "[MASK]" is matched before lower-casing and splitting: hello 7592, [MASK] 103, world (line 2089 → 2088).
        var e = Bert().Encode("hello [MASK] world");
        Assert.Equal(new[] { Cls, 7592, Mask, 2088, Sep }, e.InputIds);
        Assert.Equal((6, 12), e.Offsets[2]);
    }

    [SkippableFact]
    public void SameIdsAsMicrosoftMlBertTokenizerOnTrickyTexts()
    {
        // Independent reference: the library that produced golden_hidden.json, configured as described in its README.
        // Texts without accents only: the library strips accents with string.Normalize, which does nothing under this
        // project's InvariantGlobalization (accents are covered by the golden batch and the hand-checked test above).
        var vocab = Path.Combine(SharedData.RequireModel("all-MiniLM-L6-v2"), "vocab.txt");
        var reference = Ml.BertTokenizer.Create(vocab, new Ml.BertOptions
        {
            LowerCaseBeforeTokenization = true, RemoveNonSpacingMarks = true, ApplyBasicTokenization = true, IndividuallyTokenizeCjk = true,
        });
        var bert = Bert();
        string[] texts =
        {
            "Hello, World! Ca va?", "Tokyo 東京タワー 2024年", "don't stop-believing... (really)", "ANGSTROM  UPPER lower",
            "e-mail: someone@example.com #hashtag 50% 3.5", "“quoted” ‘text’ — dash… ellipsis", "x\u00A0y\u2003z",
            "Straße ΑΒΓ Ωμεγα кириллица", "unaffable supercalifragilisticexpialidocious", "\t\r\nmixed\u3000ideographic space",
        };
        foreach (var text in texts)
            Assert.True(reference.EncodeToIds(text).SequenceEqual(bert.Encode(text).InputIds),
                $"{text}: reference [{string.Join(",", reference.EncodeToIds(text))}] vs ours [{string.Join(",", bert.Encode(text).InputIds)}]");
    }
}
