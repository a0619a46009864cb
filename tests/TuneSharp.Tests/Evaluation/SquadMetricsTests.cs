using TuneSharp.Evaluation.QuestionAnswering;

namespace TuneSharp.Tests.Evaluation;

/// <summary>Hand-worked cases of the official SQuAD v1.1 and v2.0 evaluation scripts' definitions.</summary>
public sealed class SquadMetricsTests
{
    [Theory]
    [InlineData("The  Denver Broncos!", "denver broncos")]
    [InlineData("an apple, a pear", "apple pear")]
    [InlineData("Theatre of the Absurd", "theatre of absurd")] // "the" goes only as a whole word
    [InlineData("  A.B.C.  ", "abc")] // punctuation goes before articles are looked for: "a.b.c" -> "abc"
    [InlineData("the", "")]
    [InlineData("Ångström's “law”", "ångströms “law”")] // only ASCII punctuation is removed, as string.punctuation holds
    [InlineData("café-au-lait the\tend", "caféaulait end")]
    public void Normalization_follows_the_official_script(string text, string expected) =>
        Assert.Equal(expected, SquadNormalization.Normalize(text));

    [Fact]
    public void Exact_match_compares_normalised_strings()
    {
        Assert.Equal(1, SquadMetrics.ExactMatch("the Denver Broncos", "Denver Broncos."));
        Assert.Equal(0, SquadMetrics.ExactMatch("Denver", "Denver Broncos"));
    }

    [Fact]
    public void F1_counts_shared_tokens_with_multiplicity()
    {
        // prediction "denver broncos denver" (3 tokens), gold "denver broncos" (2): shared 2 -> P 2/3, R 1, F1 0.8.
        Assert.Equal(0.8, SquadMetrics.F1("Denver Broncos Denver", "the Denver Broncos"), 12);
        // prediction "in 1990" vs gold "1990 and 1991": shared {1990} -> P 1/2, R 1/3, F1 0.4.
        Assert.Equal(0.4, SquadMetrics.F1("in 1990", "1990 and 1991"), 12);
        Assert.Equal(0, SquadMetrics.F1("Paris", "London"));
    }

    [Fact]
    public void Empty_answers_score_one_only_in_v2()
    {
        Assert.Equal(1, SquadMetrics.F1("", ""));
        Assert.Equal(1, SquadMetrics.F1("the", "")); // normalises to nothing
        Assert.Equal(0, SquadMetrics.F1("", "", emptyMatchesEmpty: false));
        Assert.Equal(0, SquadMetrics.F1("Paris", ""));
    }

    [Fact]
    public void V1_takes_the_best_gold_answer_and_scores_missing_predictions_zero()
    {
        var golds = new Dictionary<string, IReadOnlyList<string>>
        {
            ["q1"] = ["Denver Broncos", "The Denver Broncos", "Broncos"],
            ["q2"] = ["1990 and 1991"],
            ["q3"] = ["Paris"],
        };
        var predictions = new Dictionary<string, string> { ["q1"] = "Broncos", ["q2"] = "in 1990" }; // q3 unanswered
        var scores = SquadMetrics.ComputeV1(predictions, golds);
        // q1: EM 1 (matches "Broncos"), F1 1; q2: EM 0, F1 0.4; q3: 0, 0.
        Assert.Equal(100.0 / 3, scores.ExactMatch, 10);
        Assert.Equal(100 * 1.4 / 3, scores.F1, 10);
        Assert.Equal(3, scores.Total);
        Assert.Equal(["exact_match", "f1"], scores.ToDictionary().Keys);
    }

    [Fact]
    public void V2_splits_answerable_and_unanswerable_questions()
    {
        var golds = new Dictionary<string, IReadOnlyList<string>>
        {
            ["a1"] = ["Denver Broncos"],
            ["a2"] = ["1990 and 1991"],
            ["n1"] = [],
            ["n2"] = [],
        };
        var predictions = new Dictionary<string, string> { ["a1"] = "Denver Broncos", ["a2"] = "", ["n1"] = "", ["n2"] = "Paris" };
        var scores = SquadMetrics.ComputeV2(predictions, golds).ToDictionary();
        // a1 1/1, a2 0/0, n1 1/1 (empty = empty), n2 0/0.
        Assert.Equal(50, scores["exact"], 10);
        Assert.Equal(50, scores["f1"], 10);
        Assert.Equal(4, scores["total"]);
        Assert.Equal(50, scores["HasAns_exact"], 10);
        Assert.Equal(2, scores["HasAns_total"]);
        Assert.Equal(50, scores["NoAns_f1"], 10);
        Assert.False(scores.ContainsKey("best_f1"));
    }

    [Fact]
    public void V2_best_threshold_is_searched_as_the_official_script_does()
    {
        var golds = new Dictionary<string, IReadOnlyList<string>>
        {
            ["a1"] = ["Denver Broncos"],
            ["a2"] = ["1990 and 1991"],
            ["n1"] = [],
            ["n2"] = [],
        };
        var predictions = new Dictionary<string, string> { ["a1"] = "Denver Broncos", ["a2"] = "in 1990", ["n1"] = "Paris", ["n2"] = "" };
        var probabilities = new Dictionary<string, double> { ["a1"] = 0.1, ["n1"] = 0.3, ["a2"] = 0.5, ["n2"] = 0.9 };
        var scores = SquadMetrics.ComputeV2(predictions, golds, probabilities).ToDictionary();
        // Start at 2 (both NoAns right when everything is null). In increasing probability: a1 +1 -> 3 (best, 0.1); n1 has a
        // non-empty prediction: -1 -> 2; a2 +EM 0 -> 2 (F1: +0.4 -> 2.4); n2 empty: +0. Best exact 3/4 at 0.1; best F1 3/4 at 0.1.
        Assert.Equal(75, scores["best_exact"], 10);
        Assert.Equal(0.1, scores["best_exact_thresh"], 12);
        Assert.Equal(75, scores["best_f1"], 10);
        Assert.Equal(0.1, scores["best_f1_thresh"], 12);
        // The default threshold 1.0 changes nothing: exact = (1 + 0 + 0 + 1) / 4.
        Assert.Equal(50, scores["exact"], 10);

        // A threshold of 0.4 turns n2 (0.9) and a2 (0.5) into null answers: a2 becomes wrong, n2 stays right.
        var thresholded = SquadMetrics.ComputeV2(predictions, golds, probabilities, noAnswerThreshold: 0.4).ToDictionary();
        Assert.Equal(50, thresholded["exact"], 10);
        Assert.Equal(50, thresholded["f1"], 10); // a2's F1 of 0.4 is lost to the null answer
    }

    [Fact]
    public void A_gold_list_whose_answers_normalise_to_nothing_compares_against_the_empty_answer()
    {
        // The official script keeps only gold answers that are not empty after normalisation; "The" leaves none.
        var golds = new Dictionary<string, IReadOnlyList<string>> { ["q"] = ["The"] };
        var scores = SquadMetrics.ComputeV2(new Dictionary<string, string> { ["q"] = "" }, golds);
        Assert.Equal(100, scores.Overall.ExactMatch);
        Assert.NotNull(scores.HasAnswer); // but it counts as a question with an answer (its list is not empty)
        Assert.Null(scores.NoAnswer);
    }
}
