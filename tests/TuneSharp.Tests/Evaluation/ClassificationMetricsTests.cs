using TuneSharp.Evaluation;

namespace TuneSharp.Tests.Evaluation;

/// <summary>Hand-computed cases; the arithmetic follows scikit-learn's definitions with zero_division=0.</summary>
public sealed class ClassificationMetricsTests
{
    private const double Tolerance = 1e-12;

    // labels: [0, 0, 0, 1, 1, 2]    (supports 3, 2, 1)
    // preds:  [0, 0, 1, 1, 0, 0]    (class 2 is never predicted)
    // confusion (rows = true, cols = predicted):
    //   true 0: [2, 1, 0]
    //   true 1: [1, 1, 0]
    //   true 2: [1, 0, 0]
    private static readonly int[] ThreeClassLabels = [0, 0, 0, 1, 1, 2];
    private static readonly int[] ThreeClassPredictions = [0, 0, 1, 1, 0, 0];

    [Fact]
    public void ThreeClassesWithAnUnpredictedClass()
    {
        var report = ClassificationMetrics.Compute(ThreeClassPredictions, ThreeClassLabels, numClasses: 3);

        // 3 of 6 correct (indices 0, 1, 3).
        Assert.Equal(0.5, report.Accuracy, Tolerance);

        // class 0: TP=2, FP=2 (column 0 has 4), FN=1 -> P=2/4, R=2/3, F1=2*2/(4+2+1)=4/7
        AssertScores(report.PerClass[0], 0.5, 2.0 / 3, 4.0 / 7, 3);
        // class 1: TP=1, FP=1, FN=1 -> P=1/2, R=1/2, F1=2/4
        AssertScores(report.PerClass[1], 0.5, 0.5, 0.5, 2);
        // class 2: TP=0, nothing predicted -> P=0 (zero_division), R=0/1, F1=0
        AssertScores(report.PerClass[2], 0.0, 0.0, 0.0, 1);

        // macro: P=(1/2+1/2+0)/3=1/3, R=(2/3+1/2+0)/3=7/18, F1=(4/7+1/2+0)/3=5/14
        AssertScores(report.Macro, 1.0 / 3, 7.0 / 18, 5.0 / 14, 6);
        // weighted by supports 3,2,1: P=(1/2*3+1/2*2)/6=5/12, R=(2/3*3+1/2*2)/6=1/2, F1=(4/7*3+1/2*2)/6=19/42
        AssertScores(report.Weighted, 5.0 / 12, 0.5, 19.0 / 42, 6);
        // micro: TP=3, FP=3, FN=3 -> all 1/2 = accuracy
        AssertScores(report.Micro, 0.5, 0.5, 0.5, 6);
    }

    [Fact]
    public void ConfusionMatrixCellsAreRowsTrueColumnsPredicted()
    {
        var matrix = ClassificationMetrics.Compute(ThreeClassPredictions, ThreeClassLabels, 3).ConfusionMatrix;

        int[,] expected = { { 2, 1, 0 }, { 1, 1, 0 }, { 1, 0, 0 } };
        Assert.Equal(expected, matrix);
    }

    [Fact]
    public void ConfusionMatrixIsACopy()
    {
        var report = ClassificationMetrics.Compute(ThreeClassPredictions, ThreeClassLabels, 3);
        report.ConfusionMatrix[0, 0] = 99;
        Assert.Equal(2, report.ConfusionMatrix[0, 0]);
    }

    [Fact]
    public void Binary()
    {
        // labels: [1, 1, 1, 0, 0], preds: [1, 1, 0, 1, 0] -> correct at 0, 1, 4 -> accuracy 3/5
        var report = ClassificationMetrics.Compute(new[] { 1, 1, 0, 1, 0 }, new[] { 1, 1, 1, 0, 0 }, 2);

        Assert.Equal(0.6, report.Accuracy, Tolerance);
        // class 1: TP=2, FP=1, FN=1 -> P=R=F1=2/3
        AssertScores(report.PerClass[1], 2.0 / 3, 2.0 / 3, 2.0 / 3, 3);
        // class 0: TP=1, FP=1, FN=1 -> P=R=F1=1/2
        AssertScores(report.PerClass[0], 0.5, 0.5, 0.5, 2);
        // macro F1 = (2/3+1/2)/2 = 7/12; weighted F1 = (2/3*3+1/2*2)/5 = 3/5
        Assert.Equal(7.0 / 12, report.Macro.F1, Tolerance);
        Assert.Equal(0.6, report.Weighted.F1, Tolerance);
    }

    [Fact]
    public void PerfectPredictionsScoreOne()
    {
        int[] labels = [0, 1, 2, 2, 1];
        var report = ClassificationMetrics.Compute(labels, labels, 3);

        Assert.Equal(1.0, report.Accuracy);
        foreach (var scores in report.PerClass.Append(report.Macro).Append(report.Micro).Append(report.Weighted))
            AssertScores(scores, 1.0, 1.0, 1.0, scores.Support);
    }

    [Fact]
    public void AllWrongScoresZero()
    {
        // Every sample predicted as the other class: the diagonal is empty.
        var report = ClassificationMetrics.Compute(new[] { 1, 0, 1, 0 }, new[] { 0, 1, 0, 1 }, 2);

        Assert.Equal(0.0, report.Accuracy);
        foreach (var scores in report.PerClass.Append(report.Macro).Append(report.Micro).Append(report.Weighted))
            AssertScores(scores, 0.0, 0.0, 0.0, scores.Support);
        Assert.Equal(new int[,] { { 0, 2 }, { 2, 0 } }, report.ConfusionMatrix);
    }

    [Fact]
    public void WeightedAverageFollowsUnevenSupports()
    {
        // 8 samples of class 0, 2 of class 1, everything predicted 0.
        int[] labels = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1];
        var report = ClassificationMetrics.Compute(new int[10], labels, 2);

        // class 0: TP=8, FP=2, FN=0 -> P=8/10, R=1, F1=16/18=8/9; class 1: all 0 (never predicted)
        AssertScores(report.PerClass[0], 0.8, 1.0, 8.0 / 9, 8);
        AssertScores(report.PerClass[1], 0.0, 0.0, 0.0, 2);
        // macro F1 = (8/9+0)/2 = 4/9, weighted F1 = (8/9*8+0*2)/10 = 32/45, weighted P = 0.8*8/10 = 0.64
        Assert.Equal(4.0 / 9, report.Macro.F1, Tolerance);
        Assert.Equal(32.0 / 45, report.Weighted.F1, Tolerance);
        Assert.Equal(0.64, report.Weighted.Precision, Tolerance);
        Assert.Equal(0.8, report.Micro.F1, Tolerance);
    }

    [Fact]
    public void ClassAbsentFromPredictionsAndLabelsCountsAsZeroInMacro()
    {
        // numClasses = 3 but only class 0 and 1 occur; as with sklearn labels=range(3), class 2 scores 0.
        var report = ClassificationMetrics.Compute(new[] { 0, 1 }, new[] { 0, 1 }, 3);

        AssertScores(report.PerClass[2], 0, 0, 0, 0);
        Assert.Equal(2.0 / 3, report.Macro.F1, Tolerance);
        Assert.Equal(1.0, report.Weighted.F1, Tolerance); // zero support carries zero weight
    }

    [Fact]
    public void ToDictionaryUsesTrainerStyleKeys()
    {
        var report = ClassificationMetrics.Compute(ThreeClassPredictions, ThreeClassLabels, 3);
        var metrics = report.ToDictionary();

        Assert.Equal(
            new[] { "eval_accuracy", "eval_f1", "eval_f1_micro", "eval_f1_weighted", "eval_precision", "eval_precision_micro",
                    "eval_precision_weighted", "eval_recall", "eval_recall_micro", "eval_recall_weighted" },
            metrics.Keys.Order().ToArray());
        Assert.Equal(0.5, metrics["eval_accuracy"], Tolerance);
        Assert.Equal(5.0 / 14, metrics["eval_f1"], Tolerance);
        Assert.Equal(19.0 / 42, metrics["eval_f1_weighted"], Tolerance);
        Assert.Equal(1.0 / 3, metrics["eval_precision"], Tolerance);
        Assert.Equal(7.0 / 18, metrics["eval_recall"], Tolerance);
        Assert.Equal(0.5, metrics["eval_precision_micro"], Tolerance);

        Assert.Contains("test_f1", report.ToDictionary("test_").Keys);
    }

    [Fact]
    public void FormatReportListsClassNamesAndScores()
    {
        var names = new Dictionary<int, string> { [0] = "negative", [1] = "neutral", [2] = "positive" };
        var text = ClassificationMetrics.Compute(ThreeClassPredictions, ThreeClassLabels, 3, names).FormatReport();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

        Assert.Contains("precision", lines[0]);
        Assert.Contains("f1-score", lines[0]);
        // Class rows: name, precision, recall, f1, support (values from ThreeClassesWithAnUnpredictedClass).
        Assert.Equal(["negative", "0.5000", "0.6667", "0.5714", "3"], Tokens(lines, "negative"));
        Assert.Equal(["neutral", "0.5000", "0.5000", "0.5000", "2"], Tokens(lines, "neutral"));
        Assert.Equal(["positive", "0.0000", "0.0000", "0.0000", "1"], Tokens(lines, "positive"));
        Assert.Equal(["accuracy", "0.5000", "6"], Tokens(lines, "accuracy"));
        Assert.Equal(["macro", "avg", "0.3333", "0.3889", "0.3571", "6"], Tokens(lines, "macro avg"));
        Assert.Equal(["weighted", "avg", "0.4167", "0.5000", "0.4524", "6"], Tokens(lines, "weighted avg"));

        // All rows end at the same column, like sklearn's right-aligned table.
        Assert.Single(lines.Select(l => l.Length).Distinct());
    }

    [Fact]
    public void FormatReportFallsBackToIdsAndHonoursDigits()
    {
        var text = ClassificationMetrics.Compute(new[] { 0, 1 }, new[] { 0, 0 }, 2, new Dictionary<int, string> { [0] = "cat" })
            .FormatReport(digits: 2);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

        // class 0: TP=1, FP=0, FN=1 -> P=1, R=1/2, F1=2/3
        Assert.Equal(["cat", "1.00", "0.50", "0.67", "2"], Tokens(lines, "cat"));
        // class 1 has no id2label entry, so its id names the row: TP=0, FP=1, support 0 -> all 0
        Assert.Equal(["1", "0.00", "0.00", "0.00", "0"], Tokens(lines, "1"));
    }

    [Fact]
    public void FormatConfusionMatrixLabelsRowsAndColumns()
    {
        var names = new Dictionary<int, string> { [0] = "negative", [1] = "neutral", [2] = "positive" };
        var text = ClassificationMetrics.Compute(ThreeClassPredictions, ThreeClassLabels, 3, names).FormatConfusionMatrix();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

        Assert.Equal(4, lines.Length);
        Assert.EndsWith("negative   neutral  positive", lines[0]);
        Assert.Equal(["negative", "2", "1", "0"], Tokens(lines, "negative"));
        Assert.Equal(["neutral", "1", "1", "0"], Tokens(lines, "neutral"));
        Assert.Equal(["positive", "1", "0", "0"], Tokens(lines, "positive"));
        Assert.Single(lines.Select(l => l.Length).Distinct());
    }

    [Fact]
    public void RejectsMismatchedLengths()
    {
        var error = Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute(new[] { 0, 1 }, new[] { 0 }, 2));
        Assert.Contains("2 predictions and 1 labels", error.Message);
    }

    [Fact]
    public void RejectsEmptyInput()
    {
        var error = Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute(Array.Empty<int>(), Array.Empty<int>(), 2));
        Assert.Contains("empty", error.Message);
    }

    [Fact]
    public void RejectsOutOfRangeIds()
    {
        var label = Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute(new[] { 0, 1, 1 }, new[] { 0, 1, 3 }, 3));
        Assert.Contains("labels[2] = 3", label.Message);
        Assert.Contains("0..2", label.Message);
        Assert.Equal("labels", label.ParamName);

        var prediction = Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute(new[] { -1 }, new[] { 0 }, 3));
        Assert.Contains("predictions[0] = -1", prediction.Message);

        Assert.ThrowsAny<ArgumentException>(() => ClassificationMetrics.Compute(new[] { 0 }, new[] { 0 }, 0));
    }

    /// <summary>The whitespace-separated fields of the single line whose text starts with <paramref name="rowName"/>.</summary>
    private static string[] Tokens(string[] lines, string rowName) =>
        lines.Single(l => l.TrimStart().StartsWith(rowName + " ")).Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static void AssertScores(ClassScores actual, double precision, double recall, double f1, int support)
    {
        Assert.Equal(precision, actual.Precision, Tolerance);
        Assert.Equal(recall, actual.Recall, Tolerance);
        Assert.Equal(f1, actual.F1, Tolerance);
        Assert.Equal(support, actual.Support);
    }
}
