using System.Text.Json.Nodes;
using TuneSharp.Tokenization;
using static TuneSharp.Tests.Tokenization.TokenizationTestHelpers;

namespace TuneSharp.Tests.Tokenization;

/// <summary>
/// Pre-split words (<see cref="TextTokenizer.EncodeWords"/>, transformers' is_split_into_words), word ids and stride
/// windows (<see cref="EncodeOptions.ReturnOverflowingTokens"/>). Expected ids come from Fixtures/words_fixtures.json,
/// written by Fixtures/make_words_fixtures.py with transformers' slow tokenizers in the reference environment.
///
/// The window rule under test is the fast tokenizers' (tokenizers' Encoding::truncate, which run_qa.py relies on):
/// with L the room a window has for the windowed sequence (MaxLength minus special tokens minus the repeated
/// sequence) and n its length, window k covers tokens [k·(L − stride), min(k·(L − stride) + L, n)), and the windows
/// stop at the first one that reaches n. Slow tokenizers return only window 0 plus one overflowing_tokens list,
/// tokens [L − stride, n); the tests check both against the slow tokenizer's output.
/// </summary>
public class WordsAndWindowsTests
{
    private static readonly Lazy<JsonObject> FixtureFile = new(() => JsonNode.Parse(File.ReadAllText(
        Path.Combine(AppContext.BaseDirectory, "Tokenization", "Fixtures", "words_fixtures.json")))!.AsObject());

    private static JsonObject Fixture(string name) => FixtureFile.Value[name]!.AsObject();
    private static IEnumerable<JsonObject> Cases(JsonNode? node) => node!.AsArray().Select(c => c!.AsObject());
    private static int[] Ints(JsonNode? node) => node!.AsArray().Select(n => n!.GetValue<int>()).ToArray();
    private static string[] Strings(JsonNode? node) => node!.AsArray().Select(n => n!.GetValue<string>()).ToArray();
    private static int?[] Nullable(IEnumerable<int> values) => values.Select(v => (int?)v).ToArray();

    private static TextTokenizer MiniLm() => TextTokenizer.FromPretrained(SharedData.RequireModel("all-MiniLM-L6-v2"));
    private static TextTokenizer Stories() => TextTokenizer.FromPretrained(SharedData.RequireModel("stories260K"));

    // ---- Pre-split words ----

    [SkippableFact]
    public void BertWords_MatchTransformersIdsAndWordIds_WithOffsetsInsideEachWord()
    {
        var tokenizer = MiniLm();
        foreach (var c in Cases(Fixture("bert")["cases"]))
        {
            var words = Strings(c["words"]);
            var e = tokenizer.EncodeWords(words);
            Assert.Equal(Ints(c["input_ids"]), e.InputIds);
            Assert.Equal(["[CLS]", .. Strings(c["tokens_a"]), "[SEP]"], e.Tokens);
            Assert.Equal([null, .. Nullable(Ints(c["word_ids_a"])), null], e.WordIds!);
            Assert.Equal([null, .. Enumerable.Repeat((int?)0, e.Length - 2), null], e.SequenceIds);
            for (int t = 1; t < e.Length - 1; t++)
            {
                var word = words[e.WordIds![t]!.Value];
                var (start, end) = e.Offsets[t];
                var span = word[start..end];
                if (e.Tokens[t] == "[UNK]") Assert.Equal(word.Trim(), span); // the unknown words here are whole words
                else if (e.Tokens[t] == "[MASK]") Assert.Equal("[MASK]", span); // a special token written as a word
                else Assert.Equal(e.Tokens[t].StartsWith("##") ? e.Tokens[t][2..] : e.Tokens[t], Uncased(span));
            }
        }
    }

    [SkippableFact]
    public void BertWords_CoverSplitsAccentsPunctuationUnknownAndEmptyWords()
    {
        // Guards the fixture itself: these are the cases the golden sentences are meant to exercise.
        var cases = Cases(Fixture("bert")["cases"]).ToList();
        var allTokens = cases.SelectMany(c => Strings(c["tokens_a"])).ToList();
        Assert.Contains("[UNK]", allTokens);                        // "☃"
        Assert.Contains("##lip", allTokens);                        // "tulips" → tu ##lip ##s
        Assert.Contains("zurich", allTokens);                       // accent stripped
        var usCase = cases.Single(c => Strings(c["words"]).Contains("U.S."));
        Assert.Equal([1, 1, 1, 1], Ints(usCase["word_ids_a"]).Where(w => w == 1)); // "U.S." → u . s . (one word)
        var emptyCase = cases.Single(c => Strings(c["words"]).Contains(""));
        Assert.DoesNotContain(3, Ints(emptyCase["word_ids_a"]));   // word 3 is "", which has no tokens
    }

    [SkippableFact]
    public void BertWordPair_MatchesTransformers_WordIdsRestartInTheSecondSequence()
    {
        var c = Fixture("bert")["pair"]!.AsObject();
        var e = MiniLm().EncodeWords(Strings(c["words"]), Strings(c["pair_words"]));
        Assert.Equal(Ints(c["input_ids"]), e.InputIds);
        Assert.Equal(Ints(c["token_type_ids"]), e.TokenTypeIds);
        int?[] a = Nullable(Ints(c["word_ids_a"])), b = Nullable(Ints(c["word_ids_b"]));
        Assert.Equal([null, .. a, null, .. b, null], e.WordIds!);
        Assert.Equal([null, .. a.Select(_ => (int?)0), null, .. b.Select(_ => (int?)1), null], e.SequenceIds);
    }

    [SkippableFact]
    public void LlamaWords_MatchTransformersLlamaTokenizer_EachWordGetsItsOwnSpacePrefix()
    {
        var tokenizer = Stories();
        var fixture = Fixture("llama");
        foreach (var c in Cases(fixture["cases"]))
        {
            var words = Strings(c["words"]);
            var e = tokenizer.EncodeWords(words);
            Assert.Equal(Ints(c["input_ids"]), e.InputIds);
            Assert.Equal(["<s>", .. Strings(c["tokens_a"])], e.Tokens);
            Assert.Equal([null, .. Nullable(Ints(c["word_ids_a"]))], e.WordIds!);
            // Offsets stay inside the word; the "▁" each word starts with has no character of its own.
            for (int t = 1; t < e.Length; t++)
            {
                var (start, end) = e.Offsets[t];
                Assert.InRange(start, 0, end);
                Assert.InRange(end, start, words[e.WordIds![t]!.Value].Length);
            }
        }
        Assert.Equal((0, 4), tokenizer.EncodeWords(["Once", "upon"]).Offsets[1]); // "▁Once" spans "Once"

        var pair = fixture["pair"]!.AsObject();
        var p = tokenizer.EncodeWords(Strings(pair["words"]), Strings(pair["pair_words"]));
        Assert.Equal(Ints(pair["input_ids"]), p.InputIds);
        Assert.Equal([null, .. Nullable(Ints(pair["word_ids_a"])), null, .. Nullable(Ints(pair["word_ids_b"]))], p.WordIds!);
    }

    private static string WriteByteLevelFiles(TempDir dir, bool roberta)
    {
        var fixture = Fixture("byte_level");
        File.WriteAllText(dir.File("vocab.json"), TokenizerJsonTestFiles.Vocab(Strings(fixture["vocab"])).ToJsonString());
        File.WriteAllLines(dir.File("merges.txt"), new[] { "#version: 0.2" }.Concat(Strings(fixture["merges"])));
        if (roberta)
            File.WriteAllText(dir.File("tokenizer_config.json"), """
                {"tokenizer_class": "RobertaTokenizer", "bos_token": "<s>", "eos_token": "</s>", "cls_token": "<s>", "sep_token": "</s>",
                 "pad_token": "<pad>", "unk_token": "<unk>", "mask_token": "<mask>"}
                """);
        return dir.Path;
    }

    [Theory]
    [InlineData("gpt2", false)]
    [InlineData("roberta", true)]
    public void ByteLevelWords_MatchTransformersSlowTokenizers_EveryWordGetsTheLeadingSpace(string name, bool roberta)
    {
        using var dir = new TempDir();
        var tokenizer = TextTokenizer.FromPretrained(WriteByteLevelFiles(dir, roberta));
        Assert.IsType<ByteLevelBpeTokenizer>(tokenizer);
        foreach (var c in Cases(Fixture("byte_level")[name]))
        {
            var words = Strings(c["words"]);
            var e = tokenizer.EncodeWords(words);
            Assert.Equal(Ints(c["input_ids"]), e.InputIds);
            int first = roberta ? 1 : 0;
            Assert.Equal(Strings(c["tokens_a"]), e.Tokens[first..(e.Length - first)]);
            Assert.Equal(Nullable(Ints(c["word_ids_a"])), e.WordIds![first..(e.Length - first)]);
        }
        // "Hello" after the added space is "Ġ" + "Hello": the word's token spans the whole word, never a space before it.
        var hello = tokenizer.EncodeWords(["Hello", "world"]);
        int h = Array.IndexOf(hello.Tokens, "Hello");
        Assert.Equal((0, 5), hello.Offsets[h]);
        Assert.Equal((0, 3), hello.Offsets[Array.IndexOf(hello.Tokens, "Ġwor")]);
    }

    [Fact]
    public void ByteLevelWords_DifferFromPlainText_WhereTheFirstWordHasNoSpace()
    {
        using var dir = new TempDir();
        var gpt2 = TextTokenizer.FromPretrained(WriteByteLevelFiles(dir, roberta: false));
        var fixture = Fixture("byte_level");
        Assert.Equal(Ints(fixture["gpt2_plain_hello_world"]), gpt2.Encode("Hello world").InputIds); // Hello Ġwor ld
        Assert.Equal(Ints(Cases(fixture["gpt2"]).First()["input_ids"]), gpt2.EncodeWords(["Hello", "world"]).InputIds); // Ġ Hello Ġwor ld
    }

    [Fact]
    public void TokenizerJsonByteLevelWithoutPrefixSpace_EncodesWordsAsTheSlowFilesDo()
    {
        using var dir = new TempDir();
        var slow = TextTokenizer.FromPretrained(WriteByteLevelFiles(dir, roberta: false));
        var fixture = Fixture("byte_level");
        var json = new JsonObject
        {
            ["added_tokens"] = new JsonArray(),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true }),
            },
            ["post_processor"] = null,
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "", ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false, ["byte_fallback"] = false, ["vocab"] = TokenizerJsonTestFiles.Vocab(Strings(fixture["vocab"])),
                ["merges"] = new JsonArray(Strings(fixture["merges"]).Select(m => (JsonNode)m).ToArray()),
            },
        };
        var fast = TokenizerJsonLoader.LoadFile(TokenizerJsonTestFiles.Write(dir, json));
        foreach (var c in Cases(fixture["gpt2"]))
        {
            var words = Strings(c["words"]);
            Assert.Equal(Ints(c["input_ids"]), fast.EncodeWords(words).InputIds);
            Assert.Equal(slow.EncodeWords(words).Offsets, fast.EncodeWords(words).Offsets);
        }
        // Plain text keeps the file's add_prefix_space = false.
        Assert.Equal(Ints(fixture["gpt2_plain_hello_world"]), fast.Encode("Hello world").InputIds);
    }

    // ---- Word ids of plain text ----

    [SkippableFact]
    public void WordPiecePlainText_WordIdsAreBasicTokenizerWords()
    {
        // The basic tokenizer splits at white space and around every punctuation character; "[MASK]" is a word of its own.
        var e = MiniLm().Encode("The U.S.-based firm [MASK]!");
        Assert.Equal(["[CLS]", "the", "u", ".", "s", ".", "-", "based", "firm", "[MASK]", "!", "[SEP]"], e.Tokens);
        Assert.Equal([null, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, null], e.WordIds!);

        var pieces = MiniLm().Encode("tulips tulips");
        Assert.Equal(["[CLS]", "tu", "##lip", "##s", "tu", "##lip", "##s", "[SEP]"], pieces.Tokens);
        Assert.Equal([null, 0, 0, 0, 1, 1, 1, null], pieces.WordIds!);
    }

    [Fact]
    public void ByteLevelPlainText_WordIdsAreGpt2RegexPieces()
    {
        using var dir = new TempDir();
        var gpt2 = TextTokenizer.FromPretrained(WriteByteLevelFiles(dir, roberta: false));
        var e = gpt2.Encode("Hello world");
        Assert.Equal(["Hello", "Ġwor", "ld"], e.Tokens);
        Assert.Equal([0, 1, 1], e.WordIds!); // "Hello", " world"
    }

    [SkippableFact]
    public void SentencePiecePlainText_HasNoWordIds_ButPreSplitWordsDo()
    {
        var tokenizer = Stories();
        Assert.Null(tokenizer.Encode("Once upon a time").WordIds);
        Assert.Equal([null, 0, 1, 2, 3], tokenizer.EncodeWords(["Once", "upon", "a", "time"]).WordIds!);
    }

    [Fact]
    public void Padding_GivesPadPositionsNullWordIds_AndBatchesKeepTheirSampleIndex()
    {
        var tokenizer = LetterTokenizer();
        var batch = tokenizer.EncodeWordsBatch([["a", "b", "c"], ["d"]], options: new EncodeOptions { Padding = PaddingStrategy.Longest });
        Assert.Equal([null, 0, 1, 2, null], batch[0].WordIds!);
        Assert.Equal([null, 0, null, null, null], batch[1].WordIds!);
        Assert.Equal([0, 1], batch.Select(e => e.OverflowToSampleMapping));
        Assert.Equal([0, 1, 2], tokenizer.EncodeBatch(["a", "b", "c"]).Select(e => e.OverflowToSampleMapping));
    }

    // ---- Stride windows ----

    /// <summary>The windows the rule in the class comment gives: (start, stop) of each window within n tokens.</summary>
    private static List<(int Start, int Stop)> ExpectedWindows(int n, int room, int stride)
    {
        var windows = new List<(int, int)>();
        for (int start = 0; ; start += room - stride)
        {
            int stop = Math.Min(start + room, n);
            windows.Add((start, stop));
            if (stop == n) return windows;
        }
    }

    [SkippableFact]
    public void BertWindows_FollowTheFastRule_AndAgreeWithTheSlowTokenizersOverflow()
    {
        var tokenizer = MiniLm();
        const int Cls = 101, Sep = 102;
        foreach (var c in Cases(Fixture("bert")["windows"]))
        {
            int maxLength = c["max_length"]!.GetValue<int>(), stride = c["stride"]!.GetValue<int>();
            bool isPair = c.ContainsKey("pair");
            string text = c["text"]!.GetValue<string>();
            string? pair = isPair ? c["pair"]!.GetValue<string>() : null;
            int[] idsA = Ints(c["ids_a"]), idsB = isPair ? Ints(c["ids_b"]) : [];
            var options = new EncodeOptions
            {
                MaxLength = maxLength, Stride = stride, ReturnOverflowingTokens = true,
                Truncation = isPair ? TruncationStrategy.OnlySecond : TruncationStrategy.LongestFirst,
            };
            var windows = tokenizer.EncodeBatch([text], isPair ? [pair!] : null, options);

            int[] windowed = isPair ? idsB : idsA;
            int room = maxLength - (isPair ? 3 + idsA.Length : 2);
            var expected = ExpectedWindows(windowed.Length, room, stride);
            Assert.True(expected.Count >= 2, "each fixture case overflows");
            Assert.Equal(expected.Count, windows.Count);
            for (int k = 0; k < windows.Count; k++)
            {
                var (start, stop) = expected[k];
                int[] slice = windowed[start..stop];
                int[] ids = isPair ? [Cls, .. idsA, Sep, .. slice, Sep] : [Cls, .. slice, Sep];
                Assert.Equal(ids, windows[k].InputIds);
                Assert.True(windows[k].Length <= maxLength);
                Assert.Equal(0, windows[k].OverflowToSampleMapping);
                Assert.Equal(windowed.Length - slice.Length, windows[k].NumTruncatedTokens);
                // Offsets of the windowed tokens still point into the original text.
                string source = isPair ? pair! : text;
                int seq = isPair ? 1 : 0;
                for (int t = 0; t < windows[k].Length; t++)
                {
                    if (windows[k].SequenceIds[t] != seq) continue;
                    var (s, e) = windows[k].Offsets[t];
                    var token = windows[k].Tokens[t];
                    Assert.Equal(token.StartsWith("##") ? token[2..] : token, Uncased(source[s..e]));
                }
            }

            // Slow tokenizer: window 0 is its truncated encoding, and its one overflowing_tokens list is windows 1..
            // joined without the stride tokens each repeats from the previous window.
            Assert.Equal(Ints(c["input_ids"]), windows[0].InputIds);
            Assert.Equal(c["num_truncated_tokens"]!.GetValue<int>(), windows[0].NumTruncatedTokens);
            var overflow = new List<int>();
            for (int k = 1; k < windows.Count; k++)
                overflow.AddRange(WindowedIds(windows[k], isPair ? 1 : 0).Skip(k == 1 ? 0 : stride));
            Assert.Equal(Ints(c["overflowing_tokens"]), overflow);

            // Concatenating the windows minus their overlaps gives back the whole sequence.
            var whole = new List<int>(WindowedIds(windows[0], isPair ? 1 : 0));
            for (int k = 1; k < windows.Count; k++) whole.AddRange(WindowedIds(windows[k], isPair ? 1 : 0).Skip(stride));
            Assert.Equal(windowed, whole);

            // Plain truncation still gives window 0.
            var truncated = tokenizer.Encode(text, pair, options with { ReturnOverflowingTokens = false, Stride = 0 });
            Assert.Equal(windows[0].InputIds, truncated.InputIds);
        }
    }

    private static int[] WindowedIds(Encoding e, int sequence)
        => e.InputIds.Where((_, t) => e.SequenceIds[t] == sequence).ToArray();

    [Fact]
    public void Windows_HandWorked()
    {
        var tokenizer = LetterTokenizer(); // [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4 a=5 b=6 c=7 d=8 e=9
        // Five tokens, room 4, stride 2: windows start every 2 tokens and stop at the first that reaches the end
        // ([a b c d], [c d e]); this is the case of tokenizers' own truncate_overflow_with_stride test.
        var noSpecials = tokenizer.EncodeBatch(["a b c d e"], options: new EncodeOptions
        { AddSpecialTokens = false, MaxLength = 4, Stride = 2, ReturnOverflowingTokens = true });
        Assert.Equal([[5, 6, 7, 8], [7, 8, 9]], noSpecials.Select(e => e.InputIds));

        // With [CLS]/[SEP] the room is MaxLength - 2; stride 0 gives disjoint windows, the last one short.
        var disjoint = tokenizer.EncodeBatch(["a b c d e"], options: new EncodeOptions { MaxLength = 4, ReturnOverflowingTokens = true });
        Assert.Equal([[2, 5, 6, 3], [2, 7, 8, 3], [2, 9, 3]], disjoint.Select(e => e.InputIds));
        Assert.Equal([[(0, 0), (0, 1), (2, 3), (0, 0)], [(0, 0), (4, 5), (6, 7), (0, 0)], [(0, 0), (8, 9), (0, 0)]],
                     disjoint.Select(e => e.Offsets));

        // A pair with OnlySecond repeats the question ("a") and windows the context; OnlyFirst the other way round.
        var qa = tokenizer.EncodeBatch(["a"], ["b c d e"], new EncodeOptions
        { MaxLength = 7, Stride = 1, Truncation = TruncationStrategy.OnlySecond, ReturnOverflowingTokens = true });
        Assert.Equal([[2, 5, 3, 6, 7, 8, 3], [2, 5, 3, 8, 9, 3]], qa.Select(e => e.InputIds));
        Assert.Equal([0, 0, 0, 1, 1, 1, 1], qa[0].TokenTypeIds);
        Assert.Equal([null, 0, null, 1, 1, null], qa[1].SequenceIds);
        var firstWindowed = tokenizer.EncodeBatch(["b c d e"], ["a"], new EncodeOptions
        { MaxLength = 7, Stride = 1, Truncation = TruncationStrategy.OnlyFirst, ReturnOverflowingTokens = true });
        Assert.Equal([[2, 6, 7, 8, 3, 5, 3], [2, 8, 9, 3, 5, 3]], firstWindowed.Select(e => e.InputIds));

        // An input that fits gives one encoding; so does no MaxLength or DoNotTruncate.
        Assert.Single(tokenizer.EncodeBatch(["a b"], options: new EncodeOptions { MaxLength = 4, ReturnOverflowingTokens = true }));
        Assert.Single(tokenizer.EncodeBatch(["a b c d e"], options: new EncodeOptions { ReturnOverflowingTokens = true }));
        Assert.Single(tokenizer.EncodeBatch(["a b c d e"], options: new EncodeOptions
        { MaxLength = 4, Truncation = TruncationStrategy.DoNotTruncate, ReturnOverflowingTokens = true }));
    }

    [Fact]
    public void Windows_OfABatch_AreFlattenedInInputOrder_WithTheirSampleIndex_AndPaddedTogether()
    {
        var tokenizer = LetterTokenizer();
        var windows = tokenizer.EncodeBatch(["a b", "a b c d e", "c"], options: new EncodeOptions
        { MaxLength = 5, Stride = 1, ReturnOverflowingTokens = true, Padding = PaddingStrategy.Longest });
        // Room 3, step 2: "a b c d e" → [a b c], [c d e].
        Assert.Equal([0, 1, 1, 2], windows.Select(e => e.OverflowToSampleMapping));
        Assert.Equal([[2, 5, 6, 3, 0], [2, 5, 6, 7, 3], [2, 7, 8, 9, 3], [2, 7, 3, 0, 0]], windows.Select(e => e.InputIds));
        Assert.Equal([null, 0, 1, null, null], windows[0].WordIds!);
        Assert.Equal([null, 2, 3, 4, null], windows[2].WordIds!); // word ids of the windowed text, not of the window
    }

    [Fact]
    public void Windows_AllGrid_PropertiesHold()
    {
        // Every length 0..24, MaxLength 3..10 and every valid stride, single texts and question/context pairs: each
        // window fits MaxLength, consecutive windows overlap by exactly stride tokens, joined without the overlaps they
        // give back the whole sequence, the last window ends at its end, and word ids and offsets are the full
        // encoding's for the same tokens.
        var tokenizer = LetterTokenizer();
        string[] letters = ["a", "b", "c", "d", "e"];
        int checkedWindows = 0;
        for (int n = 0; n <= 24; n++)
        {
            var words = Enumerable.Range(0, n).Select(i => letters[i % 5]).ToArray();
            var full = tokenizer.EncodeWords(words);
            foreach (bool isPair in new[] { false, true })
            for (int maxLength = 3; maxLength <= 10; maxLength++)
            {
                int room = maxLength - (isPair ? 4 : 2); // pair: [CLS] q [SEP] ... [SEP] with a one-word question
                for (int stride = 0; stride < room; stride++)
                {
                    var options = new EncodeOptions
                    {
                        MaxLength = maxLength, Stride = stride, ReturnOverflowingTokens = true,
                        Truncation = isPair ? TruncationStrategy.OnlySecond : TruncationStrategy.LongestFirst,
                    };
                    var windows = isPair ? tokenizer.EncodeWordsBatch([["a"]], [words], options) : tokenizer.EncodeWordsBatch([words], options: options);
                    int seq = isPair ? 1 : 0;
                    var joined = new List<(int Id, int? Word, (int, int) Offset)>();
                    List<(int Id, int? Word, (int, int) Offset)>? previous = null;
                    foreach (var w in windows)
                    {
                        Assert.True(w.Length <= maxLength);
                        var part = Enumerable.Range(0, w.Length).Where(t => w.SequenceIds[t] == seq)
                            .Select(t => (w.InputIds[t], w.WordIds![t], w.Offsets[t])).ToList();
                        if (previous is not null)
                            Assert.Equal(previous.TakeLast(stride), part.Take(stride));
                        joined.AddRange(previous is null ? part : part.Skip(stride));
                        previous = part;
                        checkedWindows++;
                    }
                    var expected = Enumerable.Range(1, n).Select(t => (full.InputIds[t], full.WordIds![t], full.Offsets[t])).ToList();
                    Assert.Equal(expected, joined);
                    Assert.Equal(ExpectedWindows(n, room, stride).Count, windows.Count);
                }
            }
        }
        Assert.True(checkedWindows > 5000, $"only {checkedWindows} windows checked");
    }

    [SkippableFact]
    public void WordWindows_KeepEachTokensWordIdAndOffsets()
    {
        var tokenizer = MiniLm();
        var c = Cases(Fixture("bert")["cases"]).Single(x => Strings(x["words"]).Contains("antidisestablishmentarianism"));
        var words = Strings(c["words"]);
        var wordIds = Ints(c["word_ids_a"]);
        var windows = tokenizer.EncodeWordsBatch([["what", "works", "?"]], [words], new EncodeOptions
        { MaxLength = 12, Stride = 2, Truncation = TruncationStrategy.OnlySecond, ReturnOverflowingTokens = true });
        // Room 12 - 3 - 3 = 6, step 4 over 19 tokens: windows [0, 6), [4, 10), [8, 14), [12, 18), [16, 19).
        var expected = ExpectedWindows(wordIds.Length, 6, 2);
        Assert.Equal([(0, 6), (4, 10), (8, 14), (12, 18), (16, 19)], expected);
        Assert.Equal(expected.Count, windows.Count);
        for (int k = 0; k < windows.Count; k++)
        {
            var w = windows[k];
            var (start, stop) = expected[k];
            var second = Enumerable.Range(0, w.Length).Where(t => w.SequenceIds[t] == 1).ToArray();
            Assert.Equal(wordIds[start..stop], second.Select(t => w.WordIds![t]!.Value));
            Assert.Equal(Strings(c["tokens_a"])[start..stop], second.Select(t => w.Tokens[t]));
            foreach (var t in second)
            {
                var (s, e) = w.Offsets[t];
                var token = w.Tokens[t];
                Assert.Equal(token.StartsWith("##") ? token[2..] : token, Uncased(words[w.WordIds![t]!.Value][s..e]));
            }
            Assert.Equal([null, 0, 1, 2, null], w.WordIds![..5]); // the repeated question keeps its own word ids
        }
    }

    // ---- Errors ----

    [Fact]
    public void StrideNotSmallerThanTheRoom_IsRefused_NamingStrideAndMaxLength()
    {
        var tokenizer = LetterTokenizer();
        var e = Assert.Throws<TuneSharpException>(() => tokenizer.EncodeBatch(["a"], ["b c d e"], new EncodeOptions
        { MaxLength = 7, Stride = 3, Truncation = TruncationStrategy.OnlySecond, ReturnOverflowingTokens = true }));
        Assert.Contains("stride", e.Message);
        Assert.Contains("max_length", e.Message);
        Assert.Contains("leaves 3", e.Message); // 7 - 3 special tokens - 1 question token

        var single = Assert.Throws<TuneSharpException>(() => tokenizer.EncodeBatch(["a", "a b c d e"], options: new EncodeOptions
        { MaxLength = 4, Stride = 2, ReturnOverflowingTokens = true }));
        Assert.Contains("stride", single.Message);
        Assert.Contains("(batch item 1)", single.Message);
    }

    [Fact]
    public void WindowOptionsThatCannotWork_AreRefusedClearly()
    {
        var tokenizer = LetterTokenizer();
        var longestFirst = Assert.Throws<TuneSharpException>(() => tokenizer.EncodeBatch(["a b"], ["c d e"], new EncodeOptions
        { MaxLength = 5, ReturnOverflowingTokens = true }));
        Assert.Contains("LongestFirst", longestFirst.Message);
        Assert.Contains("OnlySecond", longestFirst.Message);

        var noRoom = Assert.Throws<TuneSharpException>(() => tokenizer.EncodeBatch(["a b c d"], ["e"], new EncodeOptions
        { MaxLength = 6, Truncation = TruncationStrategy.OnlySecond, ReturnOverflowingTokens = true }));
        Assert.Contains("no room", noRoom.Message);

        var strideAlone = Assert.Throws<TuneSharpException>(() => tokenizer.EncodeBatch(["a"], options: new EncodeOptions { Stride = 2 }));
        Assert.Contains("ReturnOverflowingTokens", strideAlone.Message);
        var negative = Assert.Throws<TuneSharpException>(() => tokenizer.EncodeBatch(["a"], options: new EncodeOptions
        { Stride = -1, ReturnOverflowingTokens = true }));
        Assert.Contains("stride", negative.Message);

        var single = Assert.Throws<TuneSharpException>(() => tokenizer.Encode("a", options: new EncodeOptions { ReturnOverflowingTokens = true }));
        Assert.Contains("EncodeBatch", single.Message);
        var singleWords = Assert.Throws<TuneSharpException>(() => tokenizer.EncodeWords(["a"], options: new EncodeOptions { ReturnOverflowingTokens = true }));
        Assert.Contains("EncodeWordsBatch", singleWords.Message);

        var counts = Assert.Throws<TuneSharpException>(() => tokenizer.EncodeWordsBatch([["a"], ["b"]], [["c"]]));
        Assert.Contains("2 word lists but 1 pair", counts.Message);
        Assert.Throws<ArgumentNullException>(() => tokenizer.EncodeWords(["a", null!]));
    }
}
