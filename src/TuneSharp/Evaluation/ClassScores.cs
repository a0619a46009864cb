namespace TuneSharp.Evaluation;

/// <summary>Precision, recall and F1 of one class (or one average over classes).</summary>
/// <param name="Precision">TP / (TP + FP); 0 when the class was never predicted (scikit-learn's zero_division=0).</param>
/// <param name="Recall">TP / (TP + FN); 0 when the class never occurs in the labels.</param>
/// <param name="F1">2·TP / (2·TP + FP + FN), the harmonic mean of precision and recall; 0 when both are 0.</param>
/// <param name="Support">How many labels belong to the class (for an average: all labels).</param>
public readonly record struct ClassScores(double Precision, double Recall, double F1, int Support)
{
    /// <summary>Scores from raw counts, with every undefined ratio taken as 0.</summary>
    public static ClassScores FromCounts(long truePositives, long falsePositives, long falseNegatives, int support) => new(
        Precision: SafeRatio(truePositives, truePositives + falsePositives),
        Recall: SafeRatio(truePositives, truePositives + falseNegatives),
        // 2TP/(2TP+FP+FN) equals 2PR/(P+R) whenever that is defined, and is 0 (not NaN) when P = R = 0.
        F1: SafeRatio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives),
        Support: support);

    internal static double SafeRatio(long numerator, long denominator) =>
        denominator == 0 ? 0.0 : (double)numerator / denominator;
}
