using System.Text.Json.Nodes;
using TuneSharp.Tokenization;

namespace TuneSharp.Tests.Tokenization;

/// <summary>Normalizers and pre-tokenizers, checked through offsets into the original text. Expected Unicode
/// mappings are facts from the Unicode Character Database (cited per case).</summary>
public class TokenizerJsonNormalizationTests
{
    private static TextTokenizer WordPiece(TempDir dir, JsonNode? normalizer, JsonNode? preTokenizer, params string[] vocab)
    {
        var json = new JsonObject
        {
            ["normalizer"] = normalizer,
            ["pre_tokenizer"] = preTokenizer,
            ["model"] = new JsonObject { ["type"] = "WordPiece", ["unk_token"] = "[UNK]", ["vocab"] = TokenizerJsonTestFiles.Vocab(["[UNK]", .. vocab]) },
        };
        return TokenizerJsonLoader.LoadFile(TokenizerJsonTestFiles.Write(dir, json));
    }

    private static JsonObject Type(string type) => new() { ["type"] = type };

    [Fact]
    public void Nfkc_LigatureExpands_AndBothLettersMapToTheLigature()
    {
        using var dir = new TempDir();
        // U+FB01 LATIN SMALL LIGATURE FI has the compatibility decomposition "f i"; NFKC gives "fine" from "ﬁne".
        // "fi" (1) comes from the single original unit 0 → (0,1); "##ne" (2) → (1,3).
        var tok = WordPiece(dir, Type("NFKC"), Type("WhitespaceSplit"), "fi", "##ne");
        var tokens = tok.Tokenize("ﬁne");
        Assert.Equal([1, 2], tokens.Select(t => t.Id));
        Assert.Equal([(0, 1), (1, 3)], tokens.Select(t => (t.Start, t.End)));
    }

    [Fact]
    public void Nfc_ComposesHangulJamoAndCombiningAccents()
    {
        using var dir = new TempDir();
        // U+1112 U+1161 U+11AB (ᄒ ᅡ ᆫ) compose algorithmically to U+D55C "한"; "e" + U+0301 composes to U+00E9 "é".
        // Each composed character spans all the units it was made from.
        var tok = WordPiece(dir, Type("NFC"), Type("WhitespaceSplit"), "한", "é");
        var tokens = tok.Tokenize("\u1112\u1161\u11AB e\u0301");
        Assert.Equal([1, 2], tokens.Select(t => t.Id));
        Assert.Equal([(0, 3), (4, 6)], tokens.Select(t => (t.Start, t.End)));
    }

    [Fact]
    public void SequenceOfNfdStripAccentsLowercase_MatchesBertNormalizer()
    {
        using var dir = new TempDir();
        // "ÅNGSTRÖM": U+00C5 → A + U+030A, U+00D6 → O + U+0308 under NFD; marks removed; lower-cased → "angstrom".
        // U+212B ANGSTROM SIGN canonically decomposes to U+00C5, so it also ends as "a".
        var sequence = new JsonObject { ["type"] = "Sequence", ["normalizers"] = new JsonArray(Type("NFD"), Type("StripAccents"), Type("Lowercase")) };
        var tok = WordPiece(dir, sequence, Type("Whitespace"), "angstrom", "a");
        Assert.Equal([1, 2], tok.Tokenize("ÅNGSTRÖM \u212B").Select(t => t.Id));
        Assert.Equal([(0, 8), (9, 10)], tok.Tokenize("ÅNGSTRÖM \u212B").Select(t => (t.Start, t.End)));
    }

    [Fact]
    public void ReplaceStripAndPrepend_KeepOffsetsOnTheOriginalText()
    {
        using var dir = new TempDir();
        // Strip removes the outer spaces; Replace turns "-" into " " (then WhitespaceSplit splits there); Prepend puts
        // "x" before the whole text, sharing the span of its first character.
        var sequence = new JsonObject
        {
            ["type"] = "Sequence",
            ["normalizers"] = new JsonArray(
                new JsonObject { ["type"] = "Strip", ["strip_left"] = true, ["strip_right"] = true },
                new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = "-" }, ["content"] = " " },
                new JsonObject { ["type"] = "Prepend", ["prepend"] = "x" }),
        };
        var tok = WordPiece(dir, sequence, Type("WhitespaceSplit"), "xab", "cd");
        var tokens = tok.Tokenize("  ab-cd ");
        Assert.Equal([1, 2], tokens.Select(t => t.Id));
        Assert.Equal([(2, 4), (5, 7)], tokens.Select(t => (t.Start, t.End)));
    }

    [Fact]
    public void SplitBehaviours_DigitsAndPunctuation()
    {
        using var dir = new TempDir();
        // Split on "x" MergedWithNext: "axbxc" → "a", "xb", "xc". Digits (individual) isolates each digit: "12" → "1", "2".
        // Punctuation isolates "!". Vocab ids: a 1, xb 2, xc 3, 1 4, 2 5, ! 6.
        var pre = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(
                new JsonObject { ["type"] = "WhitespaceSplit" },
                new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = "x" }, ["behavior"] = "MergedWithNext", ["invert"] = false },
                new JsonObject { ["type"] = "Digits", ["individual_digits"] = true },
                new JsonObject { ["type"] = "Punctuation", ["behavior"] = "Isolated" }),
        };
        var tok = WordPiece(dir, null, pre, "a", "xb", "xc", "1", "2", "!");
        var tokens = tok.Tokenize("axbxc 12!");
        Assert.Equal([1, 2, 3, 4, 5, 6], tokens.Select(t => t.Id));
        Assert.Equal([(0, 1), (1, 3), (3, 5), (6, 7), (7, 8), (8, 9)], tokens.Select(t => (t.Start, t.End)));
    }
}
