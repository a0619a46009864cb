namespace TuneSharp.Evaluation;

/// <summary>Scores of a regression model (e.g. STS-B similarity).</summary>
/// <param name="Mse">Mean squared error.</param>
/// <param name="Rmse">Square root of <paramref name="Mse"/>.</param>
/// <param name="Mae">Mean absolute error.</param>
/// <param name="R2">Coefficient of determination 1 − SS_res/SS_tot; when the labels are constant it is 1 for a perfect fit and 0 otherwise (scikit-learn's force_finite).</param>
/// <param name="Pearson">Pearson correlation; NaN when predictions or labels are constant (as scipy).</param>
/// <param name="Spearman">Pearson correlation of the ranks, ties sharing their average rank; NaN when either side is constant.</param>
public sealed record RegressionReport(double Mse, double Rmse, double Mae, double R2, double Pearson, double Spearman)
{
    /// <summary>The metrics under Trainer-style keys: {prefix}mse, {prefix}rmse, {prefix}mae, {prefix}r2, {prefix}pearson, {prefix}spearmanr.</summary>
    public Dictionary<string, double> ToDictionary(string prefix = "eval_") => new()
    {
        [$"{prefix}mse"] = Mse,
        [$"{prefix}rmse"] = Rmse,
        [$"{prefix}mae"] = Mae,
        [$"{prefix}r2"] = R2,
        [$"{prefix}pearson"] = Pearson,
        [$"{prefix}spearmanr"] = Spearman,
    };
}

/// <summary>Regression metrics of predicted values against true values.</summary>
public static class RegressionMetrics
{
    /// <exception cref="ArgumentException">Lengths differ, the input is empty, or a value is NaN or infinite.</exception>
    public static RegressionReport Compute(double[] predictions, double[] labels)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(labels);
        MetricInputs.RequireSameNonZeroLength(predictions.Length, labels.Length, "regression");
        RequireFinite(predictions, nameof(predictions));
        RequireFinite(labels, nameof(labels));

        int n = labels.Length;
        double labelMean = labels.Average();
        double squaredError = 0, absoluteError = 0, totalSquares = 0;
        for (int i = 0; i < n; i++)
        {
            double error = predictions[i] - labels[i];
            squaredError += error * error;
            absoluteError += Math.Abs(error);
            totalSquares += (labels[i] - labelMean) * (labels[i] - labelMean);
        }
        double mse = squaredError / n;
        double r2 = totalSquares == 0 ? (squaredError == 0 ? 1.0 : 0.0) : 1 - squaredError / totalSquares;

        return new RegressionReport(
            Mse: mse, Rmse: Math.Sqrt(mse), Mae: absoluteError / n, R2: r2,
            Pearson: PearsonCorrelation(predictions, labels),
            Spearman: PearsonCorrelation(AverageRanks(predictions), AverageRanks(labels)));
    }

    /// <summary>Pearson's r, or NaN when either side has zero variance.</summary>
    internal static double PearsonCorrelation(double[] x, double[] y)
    {
        double meanX = x.Average(), meanY = y.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double dx = x[i] - meanX, dy = y[i] - meanY;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        if (sxx == 0 || syy == 0) return double.NaN;
        // Rounding can push |r| a hair past 1 for perfectly correlated data.
        return Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1.0, 1.0);
    }

    /// <summary>1-based ranks; equal values share the mean of the ranks they span (scipy's rankdata "average").</summary>
    internal static double[] AverageRanks(double[] values)
    {
        int[] order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Length];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]]) end++;
            double sharedRank = (start + end) / 2.0 + 1; // mean of positions start..end, made 1-based
            for (int k = start; k <= end; k++) ranks[order[k]] = sharedRank;
            start = end + 1;
        }
        return ranks;
    }

    private static void RequireFinite(double[] values, string paramName)
    {
        for (int i = 0; i < values.Length; i++)
            if (!double.IsFinite(values[i]))
                throw new ArgumentException($"{paramName}[{i}] is {values[i]}; regression metrics need finite numbers.", paramName);
    }
}
