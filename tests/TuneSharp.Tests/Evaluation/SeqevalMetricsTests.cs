using TuneSharp.Evaluation;
using TuneSharp.Evaluation.SequenceLabeling;

namespace TuneSharp.Tests.Evaluation;

/// <summary>
/// Entity-level metrics as seqeval 1.2.2 computes them. Expected numbers are worked by hand in the comments from
/// seqeval's definitions (precision = correct/predicted, recall = correct/labelled, F1 = 2PR/(P+R), each 0 when
/// undefined), or are the values seqeval publishes in its README, docstrings and tests/test_scheme.py.
/// </summary>
public sealed class SeqevalMetricsTests
{
    private const double Tolerance = 1e-12;

    private static string[][] Sentences(params string[] sentences) =>
        sentences.Select(s => s.Length == 0 ? [] : s.Split(' ')).ToArray();

    private static string[] Tags(string tags) => tags.Length == 0 ? [] : tags.Split(' ');

    private static string Spans(IReadOnlyList<EntitySpan> spans) => string.Join(" ", spans);

    private static EntityTypeScores Type(SequenceLabelingReport report, string type) => report.PerType.Single(s => s.Type == type);

    // ---------------------------------------------------------------- entity extraction, default mode

    [Fact]
    public void DefaultExtractionMatchesGetEntitiesDocstring()
    {
        // seqeval's get_entities docstring: ['B-PER', 'I-PER', 'O', 'B-LOC'] -> [('PER', 0, 1), ('LOC', 3, 3)],
        // ends inclusive; here ends are exclusive.
        Assert.Equal("PER[0,2) LOC[3,4)", Spans(EntityExtraction.Default(Tags("B-PER I-PER O B-LOC"))));
    }

    [Theory]
    // I- after O opens an entity (conlleval's rule O->I starts a chunk); the run of I-PER is one entity.
    [InlineData("I-PER I-PER O", "PER[0,2)")]
    // I after O starts an entity even when the types agree (a bare "I" and "O" both have type "_").
    [InlineData("O I", "_[1,2)")]
    // After E or S an I of the same type starts a new entity: E and S close theirs.
    [InlineData("E-PER I-PER S-PER I-PER", "PER[0,1) PER[1,2) PER[2,3) PER[3,4)")]
    // Adjacent entities of one type: B after I ends the first and starts the second.
    [InlineData("B-PER I-PER B-PER", "PER[0,2) PER[2,3)")]
    // An entity on the last token is closed by the "O" seqeval appends.
    [InlineData("O B-LOC I-LOC", "LOC[1,3)")]
    // A change of type inside ends one entity and starts another, even on an I- tag.
    [InlineData("B-PER I-LOC", "PER[0,1) LOC[1,2)")]
    // IOBES tags read leniently: E ends, S is a one-token entity, E after O starts one.
    [InlineData("B-PER E-PER S-LOC O E-ORG", "PER[0,2) LOC[2,3) ORG[4,5)")]
    // Type without a '-': the first character is the prefix, the rest the type ("BPER" -> B, "PER").
    [InlineData("BPER IPER", "PER[0,2)")]
    // Bare prefixes have type "_"; "B-ORG-X" keeps everything after the first '-'.
    [InlineData("B I O B-ORG-X", "_[0,2) ORG-X[3,4)")]
    // A tag with no prefix: seqeval takes 'P' as the prefix and "ER" as the type, and one run is one entity.
    [InlineData("PER PER O", "ER[0,2)")]
    [InlineData("O O", "")]
    [InlineData("", "")]
    public void DefaultExtraction(string tags, string expected)
    {
        Assert.Equal(expected, Spans(EntityExtraction.Default(Tags(tags))));
    }

    // ---------------------------------------------------------------- entity extraction, strict mode

    [Theory]
    // tests/test_scheme.py, test_iob2_tokens (all rows): only B- starts an entity.
    [InlineData("", "")]
    [InlineData("B-PER", "PER[0,1)")]
    [InlineData("I-PER", "")]
    [InlineData("O", "")]
    [InlineData("O I-PER", "")]
    [InlineData("O B-PER", "PER[1,2)")]
    [InlineData("I-PER O", "")]
    [InlineData("I-PER I-PER", "")]
    [InlineData("I-PER I-ORG", "")]
    [InlineData("I-PER B-PER", "PER[1,2)")]
    [InlineData("I-PER B-ORG", "ORG[1,2)")]
    [InlineData("B-PER O", "PER[0,1)")]
    [InlineData("B-PER I-PER", "PER[0,2)")]
    [InlineData("B-PER I-ORG", "PER[0,1)")]
    [InlineData("B-PER B-PER", "PER[0,1) PER[1,2)")]
    [InlineData("B-PER B-ORG", "PER[0,1) ORG[1,2)")]
    // test_iob2_tokens_without_tag
    [InlineData("B I", "_[0,2)")]
    [InlineData("I B", "_[1,2)")]
    public void StrictIob2MatchesSeqevalSchemeTests(string tags, string expected)
    {
        Assert.Equal(expected, Spans(EntityExtraction.Strict(Tags(tags), TagScheme.Iob2)));
    }

    [Theory]
    // tests/test_scheme.py, test_iobes_tokens: S- alone, or B- (I-)* E- of one type; anything else forms nothing.
    [InlineData("S-PER", "PER[0,1)")]
    [InlineData("B-PER", "")]
    [InlineData("E-PER", "")]
    [InlineData("O S-PER", "PER[1,2)")]
    [InlineData("I-PER S-PER", "PER[1,2)")]
    [InlineData("I-PER E-PER", "")]
    [InlineData("B-PER I-PER", "")]
    [InlineData("B-PER E-PER", "PER[0,2)")]
    [InlineData("B-PER E-ORG", "")]
    [InlineData("B-PER S-PER", "PER[1,2)")]
    [InlineData("E-PER S-PER", "PER[1,2)")]
    [InlineData("S-PER E-PER", "PER[0,1)")]
    [InlineData("S-PER S-PER", "PER[0,1) PER[1,2)")]
    // test_iobes_tokens_without_tag
    [InlineData("B E", "_[0,2)")]
    // Hand-worked: B->I->E of one type continues; the entity ends after E.
    [InlineData("B-PER I-PER E-PER O", "PER[0,3)")]
    public void StrictIobesMatchesSeqevalSchemeTests(string tags, string expected)
    {
        Assert.Equal(expected, Spans(EntityExtraction.Strict(Tags(tags), TagScheme.Iobes)));
    }

    [Theory]
    // tests/test_scheme.py, test_ioe2_tokens: entities end with E-.
    [InlineData("E-PER", "PER[0,1)")]
    [InlineData("I-PER", "")]
    [InlineData("O E-PER", "PER[1,2)")]
    [InlineData("I-PER I-PER", "")]
    [InlineData("I-PER E-PER", "PER[0,2)")]
    [InlineData("I-PER E-ORG", "ORG[1,2)")]
    [InlineData("E-PER I-PER", "PER[0,1)")]
    [InlineData("E-PER E-PER", "PER[0,1) PER[1,2)")]
    [InlineData("E-PER E-ORG", "PER[0,1) ORG[1,2)")]
    public void StrictIoe2MatchesSeqevalSchemeTests(string tags, string expected)
    {
        Assert.Equal(expected, Spans(EntityExtraction.Strict(Tags(tags), TagScheme.Ioe2)));
    }

    [Theory]
    // tests/test_scheme.py, test_iob1_tokens: I- tags entities, B- only begins one right after another of its type.
    [InlineData("I-PER", "PER[0,1)")]
    [InlineData("B-PER", "")]
    [InlineData("O I-PER", "PER[1,2)")]
    [InlineData("I-PER I-PER", "PER[0,2)")]
    [InlineData("I-PER I-ORG", "PER[0,1) ORG[1,2)")]
    [InlineData("I-PER B-PER", "PER[0,1) PER[1,2)")]
    [InlineData("I-PER B-ORG", "PER[0,1)")]
    [InlineData("B-PER I-PER", "PER[1,2)")]
    [InlineData("B-PER I-ORG", "ORG[1,2)")]
    [InlineData("B-PER B-PER", "PER[1,2)")]
    [InlineData("B-PER B-ORG", "")]
    public void StrictIob1MatchesSeqevalSchemeTests(string tags, string expected)
    {
        Assert.Equal(expected, Spans(EntityExtraction.Strict(Tags(tags), TagScheme.Iob1)));
    }

    [Theory]
    // Hand-worked from seqeval's BILOU patterns: U- alone, or B- (I-)* L- of one type.
    [InlineData("U-PER O B-LOC I-LOC L-LOC", "PER[0,1) LOC[2,5)")]
    [InlineData("B-LOC I-LOC O", "")]
    public void StrictBilou(string tags, string expected)
    {
        Assert.Equal(expected, Spans(EntityExtraction.Strict(Tags(tags), TagScheme.Bilou)));
    }

    [Fact]
    public void StrictRejectsPrefixTheSchemeDoesNotAllow()
    {
        // tests/test_scheme.py, test_raise_exception_when_iobes_tokens_with_iob2_scheme: seqeval raises ValueError.
        var error = Assert.Throws<TuneSharpException>(() => EntityExtraction.Strict(Tags("B-PER E-PER S-PER"), TagScheme.Iob2));
        Assert.Contains("token 1", error.Message);
        Assert.Contains("\"E-PER\"", error.Message);
        Assert.Contains("IOB2", error.Message);
        Assert.Contains("allowed: I, O, B", error.Message);

        // A tag with no prefix letter at all ("PER": 'P'); seqeval raises KeyError.
        var noPrefix = Assert.Throws<TuneSharpException>(() => EntityExtraction.Strict(Tags("O PER"), TagScheme.Iobes));
        Assert.Contains("token 1", noPrefix.Message);
        Assert.Contains("'P'", noPrefix.Message);
    }

    [Fact]
    public void EmptyTagIsAnError()
    {
        var error = Assert.Throws<TuneSharpException>(() => EntityExtraction.Default(["B-PER", ""]));
        Assert.Contains("token 1", error.Message);
        Assert.Contains("empty", error.Message);
    }

    // ---------------------------------------------------------------- metrics: seqeval's published examples

    [Fact]
    public void ReproducesClassificationReportExample()
    {
        // seqeval README / classification_report docstring:
        //   MISC 0.00 0.00 0.00 1;  PER 1.00 1.00 1.00 1;  micro, macro, weighted avg 0.50 0.50 0.50 2;
        //   accuracy_score 0.80 (8 of 10 tokens: tokens 2 and 3 of the first sentence differ).
        var trueTags = Sentences("O O O B-MISC I-MISC I-MISC O", "B-PER I-PER O");
        var predictedTags = Sentences("O O B-MISC I-MISC I-MISC I-MISC O", "B-PER I-PER O");

        var report = SeqevalMetrics.Compute(trueTags, predictedTags);

        Assert.Equal(new string[] { "MISC", "PER" }, report.PerType.Select(s => s.Type));
        Assert.Equal(new EntityTypeScores("MISC", 0, 0, 0, Support: 1, Predicted: 1, Correct: 0), Type(report, "MISC"));
        Assert.Equal(new EntityTypeScores("PER", 1, 1, 1, Support: 1, Predicted: 1, Correct: 1), Type(report, "PER"));
        Assert.Equal(new ClassScores(0.5, 0.5, 0.5, 2), report.Micro);
        Assert.Equal(new ClassScores(0.5, 0.5, 0.5, 2), report.Macro);
        Assert.Equal(new ClassScores(0.5, 0.5, 0.5, 2), report.Weighted);
        Assert.Equal(0.8, report.Accuracy);

        // The README prints the same table for mode='strict', scheme=IOB2 (the tags are valid IOB2).
        var strict = SeqevalMetrics.Compute(trueTags, predictedTags, SeqevalMode.Strict, TagScheme.Iob2);
        Assert.Equal(report.Micro, strict.Micro);
        Assert.Equal(report.PerType, strict.PerType);

        // The README's table, character for character (digits=2).
        string expected =
            "              precision    recall  f1-score   support\n" +
            "\n" +
            "        MISC       0.00      0.00      0.00         1\n" +
            "         PER       1.00      1.00      1.00         1\n" +
            "\n" +
            "   micro avg       0.50      0.50      0.50         2\n" +
            "   macro avg       0.50      0.50      0.50         2\n" +
            "weighted avg       0.50      0.50      0.50         2\n";
        Assert.Equal(expected, report.ToText(digits: 2));
    }

    [Fact]
    public void ReproducesF1ScoreDocstringExample()
    {
        // seqeval f1_score / precision_score / recall_score docstrings (v1.x):
        //   average=None -> [0.5, 1.0] (MISC, PER); micro 0.6666666666666666; macro 0.75; weighted 0.6666666666666666.
        // By hand: MISC labelled [2,4) and [4,5), predicted [2,4) and [4,6): 1 of 2 both ways; PER 1 of 1.
        var report = SeqevalMetrics.Compute(
            Sentences("O O B-MISC I-MISC B-MISC O O", "B-PER I-PER O"),
            Sentences("O O B-MISC I-MISC B-MISC I-MISC O", "B-PER I-PER O"));

        Assert.Equal(new double[] { 0.5, 1.0 }, report.PerType.Select(s => s.F1));
        Assert.Equal(new double[] { 0.5, 1.0 }, report.PerType.Select(s => s.Precision));
        Assert.Equal(new double[] { 0.5, 1.0 }, report.PerType.Select(s => s.Recall));
        Assert.Equal(0.6666666666666666, report.F1);
        Assert.Equal(0.6666666666666666, report.Precision);
        Assert.Equal(0.6666666666666666, report.Recall);
        Assert.Equal(0.75, report.Macro.F1);
        Assert.Equal(0.6666666666666666, report.Weighted.F1);
    }

    [Fact]
    public void ReproducesStrictModeReadmeExample()
    {
        // seqeval README, strict mode: y_true [['B-NP','I-NP','O']], y_pred [['I-NP','I-NP','O']]:
        // default NP 1.00 1.00 1.00 1; mode='strict', scheme=IOB2: NP 0.00 0.00 0.00 1.
        var trueTags = Sentences("B-NP I-NP O");
        var predictedTags = Sentences("I-NP I-NP O");

        var lenient = SeqevalMetrics.Compute(trueTags, predictedTags);
        Assert.Equal(new EntityTypeScores("NP", 1, 1, 1, 1, 1, 1), Type(lenient, "NP"));
        Assert.Equal(new ClassScores(1, 1, 1, 1), lenient.Micro);

        var strict = SeqevalMetrics.Compute(trueTags, predictedTags, SeqevalMode.Strict, TagScheme.Iob2);
        Assert.Equal(new EntityTypeScores("NP", 0, 0, 0, 1, 0, 0), Type(strict, "NP"));
        Assert.Equal(new ClassScores(0, 0, 0, 1), strict.Micro);
    }

    // ---------------------------------------------------------------- metrics: hand-worked cases

    [Fact]
    public void IWithoutBCountsInDefaultModeButNotInStrictIob2()
    {
        // Labels: PER [0,2) and LOC [3,4). Predictions start PER with I-.
        // Default: the predicted I-PER I-PER is PER [0,2) -> both entities correct: P = R = F1 = 1.
        // Strict IOB2: I-PER starts nothing, so only LOC is predicted: P = 1/1, R = 1/2, F1 = 2·1·0.5/1.5 = 2/3.
        //   PER: predicted 0 -> P = 0 (zero_division), R = 0/1, F1 = 0.  LOC: 1, 1, 1.
        //   macro = (0 + 1)/2 = 0.5 for all three; weighted = (0·1 + 1·1)/2 = 0.5.
        var trueTags = Sentences("B-PER I-PER O B-LOC");
        var predictedTags = Sentences("I-PER I-PER O B-LOC");

        var lenient = SeqevalMetrics.Compute(trueTags, predictedTags);
        Assert.Equal(new ClassScores(1, 1, 1, 2), lenient.Micro);

        var strict = SeqevalMetrics.Compute(trueTags, predictedTags, SeqevalMode.Strict, TagScheme.Iob2);
        Assert.Equal(1.0, strict.Precision);
        Assert.Equal(0.5, strict.Recall);
        Assert.Equal(2.0 / 3, strict.F1, Tolerance);
        Assert.Equal(new EntityTypeScores("PER", 0, 0, 0, Support: 1, Predicted: 0, Correct: 0), Type(strict, "PER"));
        Assert.Equal(new EntityTypeScores("LOC", 1, 1, 1, Support: 1, Predicted: 1, Correct: 1), Type(strict, "LOC"));
        Assert.Equal(new ClassScores(0.5, 0.5, 0.5, 2), strict.Macro);
        Assert.Equal(new ClassScores(0.5, 0.5, 0.5, 2), strict.Weighted);
        Assert.Equal(SeqevalMode.Strict, strict.Mode);
        Assert.Equal(TagScheme.Iob2, strict.Scheme);
        Assert.Null(lenient.Scheme);
    }

    [Fact]
    public void AdjacentEntitiesOfOneTypeAreTwo()
    {
        // Labels B-PER I-PER B-PER: PER [0,2) and PER [2,3). Predicting I-PER for the third token merges them into
        // PER [0,3), which matches neither: P = 0/1, R = 0/2, F1 = 0. Predicting the labels exactly gives 2 of 2.
        var trueTags = Sentences("B-PER I-PER B-PER");
        var merged = SeqevalMetrics.Compute(trueTags, Sentences("B-PER I-PER I-PER"));
        Assert.Equal(2, merged.TrueEntities);
        Assert.Equal(1, merged.PredictedEntities);
        Assert.Equal(new ClassScores(0, 0, 0, 2), merged.Micro);

        var exact = SeqevalMetrics.Compute(trueTags, trueTags);
        Assert.Equal(2, exact.CorrectEntities);
        Assert.Equal(new ClassScores(1, 1, 1, 2), exact.Micro);
    }

    [Fact]
    public void EntitiesAtSentenceEndsCloseAndDoNotRunIntoTheNextSentence()
    {
        // Sentence 0 ends inside LOC [1,2); sentence 1 starts with I-LOC, which (default mode) opens its own LOC [0,1).
        // Read as one run they would be one entity; per sentence they are two, both matched by the identical prediction.
        var tags = Sentences("O B-LOC", "I-LOC O");
        var report = SeqevalMetrics.Compute(tags, tags);
        Assert.Equal(2, report.TrueEntities);
        Assert.Equal(new ClassScores(1, 1, 1, 2), report.Micro);

        // Predicting the second sentence's entity as B-LOC I-LOC (LOC [0,2)) misses it: 1 of 2 correct, P = R = F1 = 0.5.
        var shifted = SeqevalMetrics.Compute(tags, Sentences("O B-LOC", "B-LOC I-LOC"));
        Assert.Equal(new ClassScores(0.5, 0.5, 0.5, 2), shifted.Micro);
    }

    [Fact]
    public void IdenticalSpansInDifferentSentencesAreDistinct()
    {
        // PER [0,1) in sentence 0 and in sentence 1: two labelled entities. Only the first is predicted:
        // P = 1/1, R = 1/2. Were entities compared without their sentence, recall would be 1.
        foreach (var mode in new[] { SeqevalMode.Default, SeqevalMode.Strict })
        {
            var report = SeqevalMetrics.Compute(Sentences("B-PER O", "B-PER O"), Sentences("B-PER O", "O O"), mode, TagScheme.Iob2);
            Assert.Equal(2, report.TrueEntities);
            Assert.Equal(1.0, report.Precision);
            Assert.Equal(0.5, report.Recall);
        }
    }

    [Fact]
    public void TypeChangeInsideAnEntity()
    {
        // Labels: PER [0,2). Prediction B-PER I-LOC: default reads PER [0,1) and LOC [1,2) -> neither matches:
        //   P = 0/2, R = 0/1, F1 = 0; types LOC (support 0, predicted 1) and PER (support 1, predicted 1).
        // Strict IOB2 reads only PER [0,1) (I-LOC after B-PER starts nothing): P = 0/1, R = 0/1.
        var trueTags = Sentences("B-PER I-PER");
        var predictedTags = Sentences("B-PER I-LOC");

        var lenient = SeqevalMetrics.Compute(trueTags, predictedTags);
        Assert.Equal(2, lenient.PredictedEntities);
        Assert.Equal(new ClassScores(0, 0, 0, 1), lenient.Micro);
        Assert.Equal(new EntityTypeScores("LOC", 0, 0, 0, Support: 0, Predicted: 1, Correct: 0), Type(lenient, "LOC"));
        // Weighted by support: LOC weighs 0, PER 1 -> 0; macro over both types -> 0.
        Assert.Equal(new ClassScores(0, 0, 0, 1), lenient.Weighted);

        var strict = SeqevalMetrics.Compute(trueTags, predictedTags, SeqevalMode.Strict, TagScheme.Iob2);
        Assert.Equal(1, strict.PredictedEntities);
        Assert.Equal(new string[] { "PER" }, strict.PerType.Select(s => s.Type));
    }

    [Fact]
    public void BioesInStrictModeScoresDifferentlyFromDefault()
    {
        // Labels (IOBES): PER [0,2) (B E), LOC [2,3) (S). Prediction B-PER I-PER S-LOC O.
        // Strict IOBES: B-PER I-PER is not closed by E- -> no entity; LOC [2,3) found.
        //   P = 1/1, R = 1/2, F1 = 2·1·0.5/1.5 = 2/3.
        // Default: I-PER then S-LOC ends PER at 1 -> PER [0,2) and LOC [2,3): both correct, all 1.
        var trueTags = Sentences("B-PER E-PER S-LOC O");
        var predictedTags = Sentences("B-PER I-PER S-LOC O");

        var strict = SeqevalMetrics.Compute(trueTags, predictedTags, SeqevalMode.Strict, TagScheme.Iobes);
        Assert.Equal(1.0, strict.Precision);
        Assert.Equal(0.5, strict.Recall);
        Assert.Equal(2.0 / 3, strict.F1, Tolerance);
        Assert.Equal(0, Type(strict, "PER").Predicted);

        var lenient = SeqevalMetrics.Compute(trueTags, predictedTags);
        Assert.Equal(new ClassScores(1, 1, 1, 2), lenient.Micro);
    }

    [Fact]
    public void AllOutsideScoresZeroByZeroDivision()
    {
        // No entity anywhere: correct = predicted = labelled = 0, so P = 0/0 -> 0, R = 0/0 -> 0, F1 = 0 (seqeval's
        // zero_division "warn" scores 0). Every token is right: accuracy 1. No types; the macro mean of no types is
        // NaN (numpy's mean of an empty array), the weighted one 0.
        var tags = Sentences("O O", "O");
        var report = SeqevalMetrics.Compute(tags, tags);
        Assert.Equal(0.0, report.Precision);
        Assert.Equal(0.0, report.Recall);
        Assert.Equal(0.0, report.F1);
        Assert.Equal(1.0, report.Accuracy);
        Assert.Empty(report.PerType);
        Assert.True(double.IsNaN(report.Macro.F1));
        Assert.Equal(new ClassScores(0, 0, 0, 0), report.Weighted);
        Assert.Equal(new string[] { "eval_precision", "eval_recall", "eval_f1", "eval_accuracy" }, report.ToDictionary().Keys);
        Assert.Contains("   macro avg        nan       nan       nan         0", report.ToText(digits: 2));

        // Entities labelled but none predicted: P = 0/0 -> 0, R = 0/1 = 0, F1 = 0; accuracy 1 of 2 tokens.
        var missed = SeqevalMetrics.Compute(Sentences("B-PER O"), Sentences("O O"));
        Assert.Equal(new ClassScores(0, 0, 0, 1), missed.Micro);
        Assert.Equal(0.5, missed.Accuracy);

        // Entities predicted but none labelled: P = 0/1 = 0, R = 0/0 -> 0; PER still has a row, with support 0.
        var spurious = SeqevalMetrics.Compute(Sentences("O O"), Sentences("B-PER O"));
        Assert.Equal(new ClassScores(0, 0, 0, 0), spurious.Micro);
        Assert.Equal(new EntityTypeScores("PER", 0, 0, 0, Support: 0, Predicted: 1, Correct: 0), Type(spurious, "PER"));
        Assert.Equal(new ClassScores(0, 0, 0, 0), spurious.Weighted);
    }

    [Fact]
    public void PerfectPredictionScoresOne()
    {
        var tags = Sentences("B-PER I-PER O B-LOC", "O B-ORG I-ORG I-ORG", "B-MISC");
        var report = SeqevalMetrics.Compute(tags, tags);
        Assert.Equal(new ClassScores(1, 1, 1, 4), report.Micro);
        Assert.Equal(new ClassScores(1, 1, 1, 4), report.Macro);
        Assert.Equal(new ClassScores(1, 1, 1, 4), report.Weighted);
        Assert.Equal(1.0, report.Accuracy);
        Assert.All(report.PerType, s => Assert.Equal((1.0, 1.0, 1.0, 1), (s.Precision, s.Recall, s.F1, s.Support)));
    }

    [Fact]
    public void PerTypeSupportAveragesAndTokenAccuracy()
    {
        // Labels:      s0 B-PER I-PER O B-LOC      s1 B-PER O B-ORG I-ORG
        // Predictions: s0 B-PER I-PER O O          s1 B-PER O B-LOC I-LOC
        // Labelled: PER s0[0,2), s1[0,1); LOC s0[3,4); ORG s1[2,4)  -> support PER 2, LOC 1, ORG 1.
        // Predicted: PER s0[0,2), s1[0,1); LOC s1[2,4).
        //   LOC: 0 correct of 1 predicted, 1 labelled -> 0, 0, 0.   ORG: none predicted -> 0, 0, 0.   PER: 2/2, 2/2 -> 1.
        //   micro: 2 correct, 3 predicted, 4 labelled -> P = 2/3, R = 1/2,
        //          F1 = 2PR/(P+R) = 4/7, which in binary64 from P and R is 0.5714285714285715 (4.0/7 is one ulp less).
        //   macro over LOC, ORG, PER: (0 + 0 + 1)/3 = 1/3 for each.
        //   weighted: (0·1 + 0·1 + 1·2)/4 = 0.5 for each.
        // Tokens: s0 differs at 3, s1 at 2 and 3 -> 5 of 8 equal: accuracy 0.625.
        var report = SeqevalMetrics.Compute(
            Sentences("B-PER I-PER O B-LOC", "B-PER O B-ORG I-ORG"),
            Sentences("B-PER I-PER O O", "B-PER O B-LOC I-LOC"));

        Assert.Equal(new string[] { "LOC", "ORG", "PER" }, report.PerType.Select(s => s.Type));
        Assert.Equal(new int[] { 1, 1, 2 }, report.PerType.Select(s => s.Support));
        Assert.Equal(new int[] { 1, 0, 2 }, report.PerType.Select(s => s.Predicted));
        Assert.Equal(new int[] { 0, 0, 2 }, report.PerType.Select(s => s.Correct));
        Assert.Equal(new double[] { 0.0, 0.0, 1.0 }, report.PerType.Select(s => s.F1));
        Assert.Equal(2.0 / 3, report.Precision);
        Assert.Equal(0.5, report.Recall);
        Assert.Equal(0.5714285714285715, report.F1);
        Assert.Equal(1.0 / 3, report.Macro.Precision, Tolerance);
        Assert.Equal(1.0 / 3, report.Macro.F1, Tolerance);
        Assert.Equal(new ClassScores(0.5, 0.5, 0.5, 4), report.Weighted);
        Assert.Equal(0.625, report.Accuracy);

        var metrics = report.ToDictionary("test_");
        Assert.Equal(
            new[] { "test_precision", "test_recall", "test_f1", "test_accuracy",
             "test_LOC_precision", "test_LOC_recall", "test_LOC_f1", "test_LOC_number",
             "test_ORG_precision", "test_ORG_recall", "test_ORG_f1", "test_ORG_number",
             "test_PER_precision", "test_PER_recall", "test_PER_f1", "test_PER_number" },
            metrics.Keys);
        Assert.Equal(2.0 / 3, metrics["test_precision"]);
        Assert.Equal(0.625, metrics["test_accuracy"]);
        Assert.Equal(2.0, metrics["test_PER_number"]);
        Assert.Equal(1.0, metrics["test_PER_f1"]);
        Assert.Equal(0.0, metrics["test_LOC_recall"]);

        // digits=4 layout: the names right-aligned in 12 characters, then columns of 9 after a space.
        string text = report.ToText();
        Assert.Contains("         LOC     0.0000    0.0000    0.0000         1\n", text);
        Assert.Contains("   micro avg     0.6667    0.5000    0.5714         4\n", text);
        Assert.Contains("   macro avg     0.3333    0.3333    0.3333         4\n", text);
    }

    [Fact]
    public void TokenAccuracyCountsEveryTokenIncludingOutside()
    {
        // 4 sentences (one empty), 5 tokens; wrong: s0 token 1 (O for I-PER) and s2 token 0 (O for B-LOC) -> 3/5.
        var report = SeqevalMetrics.Compute(
            Sentences("B-PER I-PER", "O O", "B-LOC", ""),
            Sentences("B-PER O", "O O", "O", ""));
        Assert.Equal(0.6, report.Accuracy);
    }

    [Fact]
    public void MalformedTagsAreScoredAsSeqevalReadsThem()
    {
        // "PER" without a prefix is prefix 'P', type "ER" in seqeval's default mode: PER PER is one "ER" entity [0,2).
        // Labels and predictions read the same way, so the identical prediction scores 1 for type "ER".
        var report = SeqevalMetrics.Compute(Sentences("PER PER O"), Sentences("PER PER O"));
        Assert.Equal(new string[] { "ER" }, report.PerType.Select(s => s.Type));
        Assert.Equal(new ClassScores(1, 1, 1, 1), report.Micro);
    }

    // ---------------------------------------------------------------- input checks

    [Fact]
    public void DifferentSentenceCountsAreAnError()
    {
        var error = Assert.Throws<TuneSharpException>(() =>
            SeqevalMetrics.Compute(Sentences("O", "B-PER"), Sentences("O")));
        Assert.Contains("2 sentences", error.Message);
        Assert.Contains("1", error.Message);
    }

    [Fact]
    public void DifferentSentenceLengthsAreAnError()
    {
        var error = Assert.Throws<TuneSharpException>(() =>
            SeqevalMetrics.Compute(Sentences("O", "B-PER I-PER O"), Sentences("O", "B-PER O")));
        Assert.Contains("sentence 1", error.Message);
        Assert.Contains("3 labelled tags", error.Message);
        Assert.Contains("2 predicted tags", error.Message);
    }

    [Fact]
    public void StrictModeNamesTheSentenceOfABadPrefix()
    {
        var error = Assert.Throws<TuneSharpException>(() =>
            SeqevalMetrics.Compute(Sentences("O", "B-PER O"), Sentences("O", "S-PER O"), SeqevalMode.Strict, TagScheme.Iob2));
        Assert.Contains("predictions, sentence 1, token 0", error.Message);
        Assert.Contains("\"S-PER\"", error.Message);
    }

    [Fact]
    public void NoTokensAtAllIsAnError()
    {
        var error = Assert.Throws<TuneSharpException>(() => SeqevalMetrics.Compute(Sentences(""), Sentences("")));
        Assert.Contains("no tokens", error.Message);
    }
}
