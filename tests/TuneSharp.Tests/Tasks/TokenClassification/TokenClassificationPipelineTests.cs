using System.Text.Json.Nodes;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tasks.TokenClassification;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Tasks.TokenClassification;

/// <summary>
/// <see cref="TokenClassificationPipeline"/> and <see cref="EntityAggregation"/>: every aggregation strategy against
/// transformers' TokenClassificationPipeline (Fixtures/pipeline_fixtures.json, written by Fixtures/make_pipeline_fixtures.py
/// in the reference environment with the same tiny model), hand-worked score arrays, long texts split into windows, and
/// the refusal of a base model.
/// </summary>
public class TokenClassificationPipelineTests
{
    private static readonly Lazy<JsonObject> Fixture = new(() => JsonNode.Parse(File.ReadAllText(
        Path.Combine(TinyPipelineModel.FixturesDir, "pipeline_fixtures.json")))!.AsObject());

    private static readonly AggregationStrategy[] Strategies =
        [AggregationStrategy.None, AggregationStrategy.Simple, AggregationStrategy.First, AggregationStrategy.Average, AggregationStrategy.Max];

    // ---- 1. Against transformers ----

    [SkippableFact]
    public void EveryStrategyGivesTransformersEntities_LabelsSpansAndScores()
    {
        using var dir = new TempDir();
        using var pipeline = TokenClassificationPipeline.FromPretrained(TinyPipelineModel.Folder(dir.File("tiny_ner")));
        var cases = Fixture.Value["cases"]!.AsArray().Select(c => c!.AsObject()).ToList();
        var texts = cases.Select(c => c["text"]!.GetValue<string>()).ToList();
        Assert.Equal(Fixture.Value["labels"]!.AsArray().Select(l => l!.GetValue<string>()), pipeline.Labels);

        // Same tokens and spans as the fixture's (BertTokenizerFast's offsets), before comparing what is built on them.
        var tokens = pipeline.PreEntities(texts, batchSize: 2);
        for (int c = 0; c < cases.Count; c++)
        {
            var encoding = pipeline.Tokenizer.Encode(texts[c]);
            Assert.Equal(cases[c]["tokens"]!.AsArray().Select(t => t!.GetValue<string>()), encoding.Tokens[1..^1]);
            var spans = cases[c]["offsets"]!.AsArray().Select(o => (Utf16(texts[c], o![0]), Utf16(texts[c], o[1])));
            Assert.Equal(spans, tokens[c].Select(t => (t.Start, t.End)));
        }

        var compared = 0;
        foreach (var strategy in Strategies)
            foreach (var (suffix, ignore) in new[] { ("", (string[]?)null), ("+all", Array.Empty<string>()) })
            {
                var key = strategy.ToString().ToLowerInvariant() + suffix;
                var predicted = pipeline.Predict(texts, strategy, ignore, batchSize: 2);
                for (int c = 0; c < cases.Count; c++)
                {
                    var expected = cases[c]["entities"]![key]!.AsArray().Select(e => e!.AsObject()).ToList();
                    var actual = predicted[c];
                    Assert.True(expected.Count == actual.Count, $"{key}, text {c}: {actual.Count} entities, transformers {expected.Count}");
                    for (int e = 0; e < expected.Count; e++)
                    {
                        var want = expected[e];
                        var got = actual[e];
                        var where = $"{key}, text {c}, entity {e}";
                        Assert.True(want[strategy == AggregationStrategy.None ? "entity" : "entity_group"]!.GetValue<string>() == got.Entity, $"{where}: {got.Entity}");
                        var (start, end) = (Utf16(texts[c], want["start"]), Utf16(texts[c], want["end"]));
                        Assert.True((start, end) == (got.Start, got.End), $"{where}: [{got.Start}, {got.End}), transformers [{start}, {end})");
                        Assert.True(Math.Abs(want["score"]!.GetValue<double>() - got.Score) <= 1e-5, $"{where}: score {got.Score} vs {want["score"]}");
                        Assert.Equal(texts[c][start..end], got.Word);
                        Assert.Equal(want["index"]?.GetValue<int>(), got.Index);
                        compared++;
                    }
                }
            }
        Assert.True(compared > 400, $"only {compared} entities compared");
    }

    // Python indexes strings by code point, .NET by UTF-16 unit: "😀" is one character there and two here.
    private static int Utf16(string text, JsonNode? codePoints)
    {
        var index = 0;
        for (int n = codePoints!.GetValue<int>(); n > 0; n--) index += char.IsSurrogatePair(text, index) ? 2 : 1;
        return index;
    }

    // ---- 2. Hand-worked score arrays ----

    private static readonly string[] PersonLocation = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"];

    // "Wolfgang Amadeus visited Salzburg" as Wolf ##gang Amadeus visited Salz ##burg; Salzburg's sub-tokens disagree.
    private const string Mozart = "Wolfgang Amadeus visited Salzburg";

    private static readonly PreEntity[] MozartTokens =
    [
        new(1, 0, 4, false, [0.1f, 0.7f, 0.1f, 0.05f, 0.05f]),   // Wolf     B-PER 0.7
        new(2, 4, 8, true, [0.1f, 0.2f, 0.6f, 0.05f, 0.05f]),    // ##gang   I-PER 0.6
        new(3, 9, 16, false, [0.05f, 0.05f, 0.8f, 0.05f, 0.05f]), // Amadeus  I-PER 0.8
        new(4, 17, 24, false, [0.9f, 0.025f, 0.025f, 0.025f, 0.025f]), // visited O 0.9
        new(5, 25, 29, false, [0.1f, 0.1f, 0.2f, 0.5f, 0.1f]),   // Salz     B-LOC 0.5
        new(6, 29, 33, true, [0.0f, 0.0f, 0.55f, 0.05f, 0.4f]),  // ##burg   I-PER 0.55
    ];

    private static void AssertEntities(IReadOnlyList<TokenEntity> actual, params (string Entity, double Score, string Word, int Start, int End, int? Index)[] expected)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (int e = 0; e < expected.Length; e++)
        {
            Assert.Equal((expected[e].Entity, expected[e].Word, expected[e].Start, expected[e].End, expected[e].Index),
                (actual[e].Entity, actual[e].Word, actual[e].Start, actual[e].End, actual[e].Index));
            Assert.True(Math.Abs(expected[e].Score - actual[e].Score) <= 1e-6, $"entity {e}: score {actual[e].Score}, expected {expected[e].Score}");
        }
    }

    [Fact]
    public void None_ListsEveryTokenNotLabelledO_WithItsOwnLabelScoreAndIndex()
    {
        AssertEntities(EntityAggregation.Aggregate(Mozart, MozartTokens, PersonLocation, AggregationStrategy.None),
            ("B-PER", 0.7, "Wolf", 0, 4, 1), ("I-PER", 0.6, "gang", 4, 8, 2), ("I-PER", 0.8, "Amadeus", 9, 16, 3),
            ("B-LOC", 0.5, "Salz", 25, 29, 5), ("I-PER", 0.55, "burg", 29, 33, 6));
    }

    [Fact]
    public void Simple_GroupsBThenIOfOneType_AndSplitsAWordWhoseSubTokensDisagree()
    {
        // B-PER I-PER I-PER is one person (mean 0.7); ##burg's I-PER does not continue Salz's LOC.
        AssertEntities(EntityAggregation.Aggregate(Mozart, MozartTokens, PersonLocation, AggregationStrategy.Simple),
            ("PER", 0.7, "Wolfgang Amadeus", 0, 16, null), ("LOC", 0.5, "Salz", 25, 29, null), ("PER", 0.55, "burg", 29, 33, null));
    }

    [Fact]
    public void First_TakesEachWordsFirstSubToken()
    {
        // Wolfgang = B-PER 0.7 (Wolf), Amadeus I-PER 0.8: one person, mean 0.75; Salzburg = B-LOC 0.5 (Salz).
        AssertEntities(EntityAggregation.Aggregate(Mozart, MozartTokens, PersonLocation, AggregationStrategy.First),
            ("PER", 0.75, "Wolfgang Amadeus", 0, 16, null), ("LOC", 0.5, "Salzburg", 25, 33, null));
    }

    [Fact]
    public void Average_TakesTheBestMeanProbability_WhichCanBeALabelNoSubTokenHasFirst()
    {
        // Wolfgang: means (0.1, 0.45, 0.35, 0.05, 0.05) -> B-PER 0.45; with Amadeus (0.8) one person, (0.45 + 0.8) / 2.
        // Salzburg: means (0.05, 0.05, 0.375, 0.275, 0.25) -> I-PER 0.375, a new entity after "visited" (O).
        AssertEntities(EntityAggregation.Aggregate(Mozart, MozartTokens, PersonLocation, AggregationStrategy.Average),
            ("PER", 0.625, "Wolfgang Amadeus", 0, 16, null), ("PER", 0.375, "Salzburg", 25, 33, null));
    }

    [Fact]
    public void Max_TakesTheMostConfidentSubToken()
    {
        // Wolfgang: Wolf (0.7) beats ##gang (0.6) -> B-PER 0.7; Salzburg: ##burg (0.55) beats Salz (0.5) -> I-PER 0.55.
        AssertEntities(EntityAggregation.Aggregate(Mozart, MozartTokens, PersonLocation, AggregationStrategy.Max),
            ("PER", 0.75, "Wolfgang Amadeus", 0, 16, null), ("PER", 0.55, "Salzburg", 25, 33, null));
    }

    // "Anna Bob Carl Dora": two B-PER in a row are two people, an I-PER continues the second, an I-LOC at the end.
    private const string Names = "Anna Bob Carl Dora";

    private static readonly PreEntity[] NameTokens =
    [
        new(1, 0, 4, false, [0.05f, 0.9f, 0.05f, 0f, 0f]),   // B-PER
        new(2, 5, 8, false, [0.1f, 0.8f, 0.1f, 0f, 0f]),     // B-PER
        new(3, 9, 13, false, [0.1f, 0.3f, 0.6f, 0f, 0f]),    // I-PER
        new(4, 14, 18, false, [0.1f, 0f, 0.2f, 0f, 0.7f]),   // I-LOC (the text's last token)
    ];

    [Fact]
    public void AdjacentBeginTokensOfOneTypeAreSeparateEntities_AndAnEntityAtTheEndIsKept()
    {
        foreach (var strategy in Strategies.Skip(1)) // every word is one token, so the word strategies agree with simple
            AssertEntities(EntityAggregation.Aggregate(Names, NameTokens, PersonLocation, strategy),
                ("PER", 0.9, "Anna", 0, 4, null), ("PER", 0.7, "Bob Carl", 5, 13, null), ("LOC", 0.7, "Dora", 14, 18, null));
    }

    [Fact]
    public void IgnoreLabels_CompareFullLabelsForNoneAndEntityTypesForGroups()
    {
        AssertEntities(EntityAggregation.Aggregate(Names, NameTokens, PersonLocation, AggregationStrategy.Simple, ["PER"]),
            ("LOC", 0.7, "Dora", 14, 18, null));
        // "PER" is no token label, so none keeps every token; "B-PER" removes the two people's first tokens.
        Assert.Equal(4, EntityAggregation.Aggregate(Names, NameTokens, PersonLocation, AggregationStrategy.None, ["PER"]).Count);
        AssertEntities(EntityAggregation.Aggregate(Names, NameTokens, PersonLocation, AggregationStrategy.None, ["B-PER"]),
            ("I-PER", 0.6, "Carl", 9, 13, 3), ("I-LOC", 0.7, "Dora", 14, 18, 4));
    }

    [Fact]
    public void AnOTokenSeparatesEntities_AndIsGroupedLikeAnyLabelWhenNotIgnored()
    {
        const string text = "Ann and Ben met";
        PreEntity[] tokens =
        [
            new(1, 0, 3, false, [0.2f, 0f, 0.8f, 0f, 0f]),  // I-PER
            new(2, 4, 7, false, [0.9f, 0f, 0.1f, 0f, 0f]),  // O
            new(3, 8, 11, false, [0.4f, 0f, 0.6f, 0f, 0f]), // I-PER
            new(4, 12, 15, false, [0.7f, 0f, 0.3f, 0f, 0f]), // O
        ];
        AssertEntities(EntityAggregation.Aggregate(text, tokens, PersonLocation, AggregationStrategy.Simple),
            ("PER", 0.8, "Ann", 0, 3, null), ("PER", 0.6, "Ben", 8, 11, null));
        AssertEntities(EntityAggregation.Aggregate(text, tokens, PersonLocation, AggregationStrategy.Simple, []),
            ("PER", 0.8, "Ann", 0, 3, null), ("O", 0.9, "and", 4, 7, null), ("PER", 0.6, "Ben", 8, 11, null), ("O", 0.7, "met", 12, 15, null));
    }

    [Fact]
    public void LabelsWithoutBIPrefixesContinueEachOther_AndTiesGoToTheFirstLabel()
    {
        // Part-of-speech style labels: "NOUN NOUN" is one group (a label without a prefix counts as I-).
        const string text = "ice cream melts";
        string[] labels = ["NOUN", "VERB"];
        PreEntity[] tokens =
        [
            new(1, 0, 3, false, [0.9f, 0.1f]),
            new(2, 4, 9, false, [0.5f, 0.5f]), // a tie: the first label (NOUN), as numpy's argmax
            new(3, 10, 15, false, [0.2f, 0.8f]),
        ];
        AssertEntities(EntityAggregation.Aggregate(text, tokens, labels, AggregationStrategy.Simple),
            ("NOUN", 0.7, "ice cream", 0, 9, null), ("VERB", 0.8, "melts", 10, 15, null));
    }

    [Fact]
    public void ScoresThatDoNotFitTheLabelsOrSpansOutsideTheTextAreRefused()
    {
        var wrongWidth = Assert.Throws<ArgumentException>(() =>
            EntityAggregation.Aggregate("ab", [new PreEntity(1, 0, 2, false, [1f])], PersonLocation, AggregationStrategy.None));
        Assert.Contains("1 scores; one per label (5)", wrongWidth.Message);
        var outside = Assert.Throws<ArgumentException>(() =>
            EntityAggregation.Aggregate("ab", [new PreEntity(1, 0, 3, false, [1f, 0f, 0f, 0f, 0f])], PersonLocation, AggregationStrategy.None));
        Assert.Contains("outside the text of 2 characters", outside.Message);
    }

    [SkippableFact]
    public void WithoutWordIds_ATokenContinuesAWordWhenNoWhiteSpaceSeparatesItFromTheTokenBefore()
    {
        // stories260K's tokenizer.model (SentencePiece) gives no word ids: "Tom's cat sat quietly." is ▁T om ' s ▁c at
        // ▁s at ▁ q u i et l y . and transformers' fallback makes "Tom's", "cat", "sat", "▁" and "quietly." the words.
        var tokenizer = TextTokenizer.FromPretrained(SharedData.RequireModel("stories260K"));
        tokenizer.SetPadToken(tokenizer.SpecialTokens.Eos!);
        Assert.Null(tokenizer.Encode("Tom's cat").WordIds);
        manual_seed(0);
        using var model = new TokenClassificationModel(new TuneSharp.Architectures.Llama.LlamaConfig
        {
            VocabSize = 512, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 1, NumAttentionHeads = 4, NumKeyValueHeads = 2,
            MaxPositionEmbeddings = 64, Id2Label = new() { [0] = "O", [1] = "B-PER", [2] = "I-PER" },
            Label2Id = new() { ["O"] = 0, ["B-PER"] = 1, ["I-PER"] = 2 },
        });
        var pipeline = new TokenClassificationPipeline(model, tokenizer);
        var tokens = pipeline.PreEntities(["Tom's cat sat quietly."])[0];
        Assert.Equal([false, true, true, true, false, true, false, true, false, false, true, true, true, true, true, true], tokens.Select(t => t.IsSubword));
    }

    // ---- 3. Texts longer than max_length ----

    private static string LongText() => string.Join(" ", Fixture.Value["cases"]!.AsArray().Select(c => c!["text"]!.GetValue<string>()));

    [SkippableFact]
    public void ALongTextInWindowsGivesTheEntitiesOfOneWindow_WhenTheModelIgnoresContext()
    {
        using var dir = new TempDir();
        var folder = TinyPipelineModel.Folder(dir.File("tiny_ner"));
        var (model, _) = TokenClassifierFactory.FromPretrained(folder, new SequenceClassificationOptions { RequireTrainedHead = true });
        using var module = model.Module;
        // Without attention output and position embeddings a token's logits depend on the token alone, so a window
        // must give exactly what the whole text gives: any token lost, doubled or misplaced by the merge shows.
        using (no_grad())
            foreach (var (name, parameter) in module.named_parameters())
                if (name.Contains(".attention.output.dense.") || name.Contains("position_embeddings")) parameter.zero_();
        var tokenizer = TextTokenizer.FromPretrained(folder);
        var text = LongText();
        var tokenCount = tokenizer.Encode(text).Length;
        Assert.InRange(tokenCount, 60, 128);
        var windowed = new TokenClassificationPipeline(model, tokenizer, maxLength: 16, stride: 3);
        var whole = new TokenClassificationPipeline(model, tokenizer, maxLength: 128);

        foreach (var strategy in Strategies)
        {
            var expected = whole.Predict(text, strategy, []);
            var actual = windowed.Predict([text], strategy, [], batchSize: 3)[0];
            Assert.Equal(expected.Select(e => (e.Entity, e.Word, e.Start, e.End, e.Index)), actual.Select(e => (e.Entity, e.Word, e.Start, e.End, e.Index)));
            for (int e = 0; e < expected.Count; e++) Assert.True(Math.Abs(expected[e].Score - actual[e].Score) <= 1e-5, $"{strategy} entity {e}");
        }
        Assert.Equal(tokenCount - 2, windowed.Predict(text, AggregationStrategy.None, []).Count); // every token once
    }

    [SkippableFact]
    public void EachTokenOfALongTextIsPredictedByTheWindowWhereItHasTheMostContext()
    {
        using var dir = new TempDir();
        using var pipeline = TokenClassificationPipeline.FromPretrained(TinyPipelineModel.Folder(dir.File("tiny_ner")), maxLength: 8, stride: 3);
        var text = Fixture.Value["cases"]![0]!["text"]!.GetValue<string>(); // 14 tokens
        // Room 6, stride 3: windows hold tokens 0-5, 3-8, 6-11 and 9-13. A token's context in a window is the number of
        // tokens on its shorter side. Token 3: 2 in window 0 (4th of 6), 0 in window 1 -> window 0. Token 4: 1 in both
        // (5th of window 0, 2nd of window 1): a tie, the first window. Token 5: 0 in window 0, 2 in window 1 -> window 1.
        // Likewise 6 -> 1, 7 -> 1 (tie), 8 -> 2, 9 -> 2, 10 -> 2 (tie: 5th of window 2, 2nd of the 5 of window 3), 11 -> 3.
        int[] windowOf = [0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3];
        int[] windowStart = [0, 3, 6, 9];
        var windows = pipeline.Tokenizer.EncodeBatch([text], null,
            new EncodeOptions { MaxLength = 8, Truncation = TruncationStrategy.OnlyFirst, ReturnOverflowingTokens = true, Stride = 3 });
        Assert.Equal(4, windows.Count);

        var tokens = pipeline.PreEntities([text])[0];
        Assert.Equal(14, tokens.Count);
        for (int w = 0; w < windows.Count; w++)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var ids = tensor(windows[w].InputIds.Select(i => (long)i).ToArray(), [1, windows[w].Length]);
            var probabilities = pipeline.Model.Forward(ids, ones_like(ids), zeros_like(ids)).softmax(-1)[0].data<float>().ToArray();
            var labels = pipeline.Labels.Count;
            for (int t = 0; t < tokens.Count; t++)
            {
                if (windowOf[t] != w) continue;
                var position = 1 + t - windowStart[w]; // after [CLS]
                Assert.Equal(windows[w].Offsets[position], (tokens[t].Start, tokens[t].End));
                for (int l = 0; l < labels; l++)
                    Assert.True(Math.Abs(probabilities[position * labels + l] - tokens[t].Scores[l]) <= 1e-6, $"token {t} label {l}");
            }
        }
        Assert.Equal(Enumerable.Range(1, 14), tokens.Select(t => t.Index)); // indices in the whole text's encoding
    }

    // ---- 4. Loading ----

    [Fact]
    public void FromPretrainedRefusesABaseModelWithoutATrainedHead()
    {
        using var dir = new TempDir();
        var folder = TinyTextClassification.BaseModelFolder(dir.File("base"));
        var error = Assert.Throws<UntrainedHeadException>(() => TokenClassificationPipeline.FromPretrained(folder));
        Assert.Contains("no trained token-classification head", error.Message);
        Assert.Contains(folder, error.Message);
    }

    [SkippableFact]
    public void AStrideThatDoesNotFitMaxLengthIsRefused()
    {
        using var dir = new TempDir();
        var folder = TinyPipelineModel.Folder(dir.File("tiny_ner"));
        var error = Assert.Throws<TuneSharpException>(() => TokenClassificationPipeline.FromPretrained(folder, maxLength: 8, stride: 6));
        Assert.Equal("stride", error.Setting);
        Assert.Contains("smaller than the 6 tokens", error.Message);
        Assert.Equal("max_length", Assert.Throws<TuneSharpException>(() => TokenClassificationPipeline.FromPretrained(folder, maxLength: 129)).Setting);
    }
}
