using TuneSharp.Data;
using TuneSharp.Tasks.QuestionAnswering;
using TuneSharp.Tests.Tasks.TextClassification;

namespace TuneSharp.Tests.Tasks.QuestionAnswering;

/// <summary>
/// utils_qa.postprocess_qa_predictions' rules worked by hand on two windows of a context of eight one-token words:
/// window 0 holds words 0..5 at positions 3..8, window 1 words 4..7 at positions 3..6 ([CLS] good [SEP] before them).
/// </summary>
public sealed class AnswerPostProcessingTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly QuestionAnsweringExample _example = new("q", "good", QuestionAnsweringFeaturesTests.Words(8), [], 1);
    private readonly QuestionAnsweringFeatures _features;

    public AnswerPostProcessingTests()
    {
        _features = new QuestionAnsweringFeatures(TinyTextClassification.Tokenizer(_tmp.Path), [_example], maxLength: 10, docStride: 2);
    }

    public void Dispose() => _tmp.Dispose();

    // Window 0: the question token has the highest start logit (never a span end), word 1 starts (5), word 2 ends (4), and
    // word 0 has a high end logit that no later start can use. Window 1 (8 positions, logits beyond them ignored): word 4
    // starts (3), word 7 ends (3).
    private (float[][] Start, float[][] End) Logits(float cls0 = 1, float cls1 = 8)
    {
        var start0 = new float[10]; var end0 = new float[10];
        start0[0] = cls0; start0[1] = 10; start0[4] = 5; end0[5] = 4; end0[3] = 6;
        var start1 = new float[10]; var end1 = new float[10];
        start1[0] = cls1; end1[0] = cls1; start1[3] = 3; end1[6] = 3; start1[9] = 50; end1[9] = 50;
        return ([start0, start1], [end0, end1]);
    }

    [Fact]
    public void The_best_pair_inside_the_context_wins_across_windows()
    {
        Assert.Equal(2, _features.Count);
        Assert.Equal(8, _features.Features[1].InputIds.Length);
        var (start, end) = Logits();
        var prediction = AnswerPostProcessing.Predict([_example], _features, start, end).Single();
        Assert.Equal("w1 w2", prediction.Answer); // start 5 + end 4 = 9; the question token (10) is not in the context
        Assert.Equal((3, 8), (prediction.Start, prediction.End));
        Assert.Null(prediction.NullScoreDiff);
        Assert.Equal(20, prediction.NBest.Count);
        Assert.Equal(1.0, prediction.NBest.Sum(c => c.Probability), 9);
        Assert.True(prediction.NBest.Zip(prediction.NBest.Skip(1)).All(p => p.First.StartLogit + p.First.EndLogit >= p.Second.StartLogit + p.Second.EndLogit));
        Assert.Equal(prediction.NBest[0].Probability, prediction.Probability);
        // Second best: word 0 alone (0 + 6), then window 1's word 4 .. word 7 (3 + 3) and word 1 alone... all valid spans.
        Assert.Equal("w0", prediction.NBest[1].Text);
        Assert.DoesNotContain(prediction.NBest, c => c.Text.Length == 0);
    }

    [Fact]
    public void Max_answer_length_and_n_best_size_limit_the_candidates()
    {
        var (start, end) = Logits();
        var one = AnswerPostProcessing.Predict([_example], _features, start, end, new AnswerPostProcessingOptions { MaxAnswerLength = 1 }).Single();
        Assert.Equal("w0", one.Answer); // "w1 w2" is two tokens; word 0 alone scores 0 + 6
        Assert.All(one.NBest, c => Assert.DoesNotContain(' ', c.Text));
        var few = AnswerPostProcessing.Predict([_example], _features, start, end, new AnswerPostProcessingOptions { NBestSize = 3 }).Single();
        // Three starts × three ends per window: window 0 has one valid pair (word 1 .. word 2), window 1 one (word 4 .. word
        // 7); the others end before they start or touch [CLS], the question or [SEP] (equal logits: the later position first).
        Assert.Equal(["w1 w2", "w4 w5 w6 w7"], few.NBest.Select(c => c.Text));
        Assert.Equal("w1 w2", few.Answer);
    }

    [Fact]
    public void Version_2_answers_null_when_the_null_score_beats_the_best_span_by_more_than_the_threshold()
    {
        var v2 = new AnswerPostProcessingOptions { Version2WithNegative = true };
        // Null score = the lowest window CLS score: window 0's 1 + 0 = 1 (window 1: 16). 1 - 9 = -8: the span wins.
        var (start, end) = Logits();
        var answered = AnswerPostProcessing.Predict([_example], _features, start, end, v2).Single();
        Assert.Equal("w1 w2", answered.Answer);
        Assert.Equal(-8, answered.NullScoreDiff!.Value, 5);
        Assert.Contains(answered.NBest, c => c.IsNull); // the null answer always joins the n best
        // With window 0's CLS at 20, the lowest null score is window 1's 16: 16 - 9 = 7 > 0, no answer...
        (start, end) = Logits(cls0: 20);
        var unanswered = AnswerPostProcessing.Predict([_example], _features, start, end, v2).Single();
        Assert.Equal("", unanswered.Answer);
        Assert.Equal(7, unanswered.NullScoreDiff!.Value, 5);
        Assert.Equal((0, 0), (unanswered.Start, unanswered.End));
        // ... unless the threshold is above the margin.
        var lenient = AnswerPostProcessing.Predict([_example], _features, start, end, v2 with { NullScoreDiffThreshold = 10 }).Single();
        Assert.Equal("w1 w2", lenient.Answer);
    }

    [Fact]
    public void Without_a_valid_span_the_answer_is_the_placeholder_empty()
    {
        var one = new QuestionAnsweringFeatures(TinyTextClassification.Tokenizer(_tmp.Path), [_example], maxLength: 16, docStride: 0);
        var length = one.Features[0].InputIds.Length;
        // Every end logit is highest before every start: with n_best_size 1 the only pair has its end before its start.
        var start = new float[length]; var end = new float[length];
        start[length - 2] = 5; end[3] = 5;
        var prediction = AnswerPostProcessing.Predict([_example], one, [start], [end], new AnswerPostProcessingOptions { NBestSize = 1 }).Single();
        Assert.Equal("empty", prediction.Answer);
        Assert.Equal(1.0, prediction.Probability);
    }

    [Fact]
    public void Logits_that_do_not_match_the_features_are_refused()
    {
        Assert.Throws<ArgumentException>(() => AnswerPostProcessing.Predict([_example], _features, [new float[10]], [new float[10]]));
        Assert.Throws<ArgumentException>(() => AnswerPostProcessing.Predict([_example], _features, [new float[10], new float[3]], [new float[10], new float[10]]));
        Assert.Equal("n_best_size", Assert.Throws<TuneSharpException>(() =>
            AnswerPostProcessing.Predict([_example], _features, Logits().Start, Logits().End, new AnswerPostProcessingOptions { NBestSize = 0 })).Setting);
    }
}
