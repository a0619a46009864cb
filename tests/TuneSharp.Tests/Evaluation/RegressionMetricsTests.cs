using TuneSharp.Evaluation;

namespace TuneSharp.Tests.Evaluation;

public sealed class RegressionMetricsTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void HandComputedExampleWithTies()
    {
        double[] predictions = [1, 2, 2, 4];
        double[] labels = [1, 3, 2, 5];

        var report = RegressionMetrics.Compute(predictions, labels);

        // errors: [0, -1, 0, -1] -> MSE = 2/4, MAE = 2/4
        Assert.Equal(0.5, report.Mse, Tolerance);
        Assert.Equal(Math.Sqrt(0.5), report.Rmse, Tolerance);
        Assert.Equal(0.5, report.Mae, Tolerance);
        // label mean 2.75, SS_tot = 1.75² + 0.25² + 0.75² + 2.25² = 8.75 -> R² = 1 - 2/8.75 = 27/35
        Assert.Equal(27.0 / 35, report.R2, Tolerance);
        // pred mean 2.25; dp = [-1.25, -0.25, -0.25, 1.75], dy = [-1.75, 0.25, -0.75, 2.25]
        // Sxy = 2.1875 - 0.0625 + 0.1875 + 3.9375 = 6.25, Sxx = 4.75, Syy = 8.75
        // r = 6.25 / sqrt(4.75 * 8.75) = sqrt(39.0625 / 41.5625) = sqrt(125/133)
        Assert.Equal(Math.Sqrt(125.0 / 133), report.Pearson, Tolerance);
        // ranks: predictions [1, 2.5, 2.5, 4] (the tied 2s share rank 2.5), labels [1, 3, 2, 4]
        // centred: [-1.5, 0, 0, 1.5] and [-1.5, 0.5, -0.5, 1.5] -> Sxy = 4.5, Sxx = 4.5, Syy = 5
        // rho = 4.5 / sqrt(22.5) = sqrt(0.9)
        Assert.Equal(Math.Sqrt(0.9), report.Spearman, Tolerance);

        var metrics = report.ToDictionary();
        Assert.Equal(report.Spearman, metrics["eval_spearmanr"]);
        Assert.Equal(report.Pearson, metrics["eval_pearson"]);
    }

    [Fact]
    public void SpearmanIsOneForAnyIncreasingFunction()
    {
        double[] labels = [0.5, -2, 3, 3, 10, 7];
        double[] predictions = labels.Select(Math.Exp).ToArray();

        var report = RegressionMetrics.Compute(predictions, labels);

        Assert.Equal(1.0, report.Spearman, Tolerance);
        Assert.True(report.Pearson < 0.99, $"exp is not linear, so Pearson should fall short of 1 (was {report.Pearson})");
    }

    [Fact]
    public void PerfectAndReversedPredictions()
    {
        double[] labels = [1, 2, 3, 4];
        var perfect = RegressionMetrics.Compute(labels, labels);
        Assert.Equal(0.0, perfect.Mse);
        Assert.Equal(1.0, perfect.R2);
        Assert.Equal(1.0, perfect.Pearson, Tolerance);

        // reversed: errors [3, 1, -1, -3] -> MSE = 20/4 = 5, SS_tot = 5 -> R² = 1 - 20/5 = -3
        var reversed = RegressionMetrics.Compute([4, 3, 2, 1], labels);
        Assert.Equal(5.0, reversed.Mse, Tolerance);
        Assert.Equal(-3.0, reversed.R2, Tolerance);
        Assert.Equal(-1.0, reversed.Pearson, Tolerance);
        Assert.Equal(-1.0, reversed.Spearman, Tolerance);
    }

    [Fact]
    public void ConstantInputsGiveNaNCorrelationAndFiniteR2()
    {
        var report = RegressionMetrics.Compute([1, 2, 3], [2, 2, 2]);

        Assert.True(double.IsNaN(report.Pearson));
        Assert.True(double.IsNaN(report.Spearman));
        Assert.Equal(0.0, report.R2); // constant labels, imperfect fit (sklearn force_finite)
    }

    [Fact]
    public void RejectsBadInput()
    {
        Assert.Contains("3 predictions and 2 labels",
            Assert.Throws<ArgumentException>(() => RegressionMetrics.Compute([1, 2, 3], [1, 2])).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => RegressionMetrics.Compute([], [])).Message);
        Assert.Contains("labels[1] is NaN",
            Assert.Throws<ArgumentException>(() => RegressionMetrics.Compute([1, 2], [1, double.NaN])).Message);
    }
}
