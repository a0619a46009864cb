using TuneSharp.Evaluation;

namespace TuneSharp.Tests.Evaluation;

public sealed class MultiLabelMetricsTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void HandComputedExample()
    {
        bool[][] labels =
        [
            [true, false, true],
            [false, true, false],
            [true, true, false],
        ];
        bool[][] predicted =
        [
            [true, false, false],  // misses label 2
            [false, true, false],  // exact
            [true, false, true],   // misses label 1, adds label 2
        ];

        var report = MultiLabelMetrics.Compute(predicted, labels);

        // Only row 1 matches exactly -> 1/3.
        Assert.Equal(1.0 / 3, report.SubsetAccuracy, Tolerance);
        // Wrong cells: (0,2), (2,1), (2,2) -> 3 of 9.
        Assert.Equal(3.0 / 9, report.HammingLoss, Tolerance);
        // Per label: 0: TP=2 -> F1=1; 1: TP=1, FN=1 -> F1=2/3; 2: TP=0, FP=1, FN=1 -> F1=0.
        // macro F1 = (1 + 2/3 + 0)/3 = 5/9
        Assert.Equal(5.0 / 9, report.MacroF1, Tolerance);
        // Summed: TP=3, FP=1, FN=2 -> P=3/4, R=3/5, F1=6/(6+1+2)=2/3
        Assert.Equal(0.75, report.Micro.Precision, Tolerance);
        Assert.Equal(0.6, report.Micro.Recall, Tolerance);
        Assert.Equal(2.0 / 3, report.MicroF1, Tolerance);
        Assert.Equal(5, report.Micro.Support); // 5 positive cells in labels

        var metrics = report.ToDictionary();
        Assert.Equal(3.0 / 9, metrics["eval_hamming_loss"], Tolerance);
        Assert.Equal(5.0 / 9, metrics["eval_f1_macro"], Tolerance);
    }

    [Fact]
    public void PerfectPredictionHasZeroHammingLoss()
    {
        bool[][] labels = [[true, false], [false, false]];
        var report = MultiLabelMetrics.Compute(labels, labels);

        Assert.Equal(1.0, report.SubsetAccuracy);
        Assert.Equal(0.0, report.HammingLoss);
        Assert.Equal(1.0, report.MicroF1);
        // Label 1 is never true nor predicted: zero_division=0 gives it F1 0, so macro F1 = (1+0)/2.
        Assert.Equal(0.5, report.MacroF1, Tolerance);
    }

    [Fact]
    public void RejectsBadShapes()
    {
        bool[][] twoRows = [[true, false], [false, true]];

        var count = Assert.Throws<ArgumentException>(() => MultiLabelMetrics.Compute(twoRows, [[true, false]]));
        Assert.Contains("2 predictions and 1 labels", count.Message);

        var ragged = Assert.Throws<ArgumentException>(() => MultiLabelMetrics.Compute([[true, false], [true]], twoRows));
        Assert.Contains("predicted[1] has 1 columns, expected 2", ragged.Message);

        Assert.Throws<ArgumentException>(() => MultiLabelMetrics.Compute([], []));
        Assert.Throws<ArgumentException>(() => MultiLabelMetrics.Compute([[]], [[]]));
    }
}
