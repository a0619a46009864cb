namespace TuneSharp.Evaluation;

/// <summary>Scores of a multi-label classifier, where each sample may carry any subset of the labels.</summary>
/// <param name="SubsetAccuracy">Fraction of samples whose whole predicted label set equals the true set.</param>
/// <param name="HammingLoss">Fraction of (sample, label) cells predicted wrongly.</param>
/// <param name="Micro">Precision/recall/F1 of the TP/FP/FN counts summed over all cells.</param>
/// <param name="Macro">Unweighted mean over labels of each label's precision/recall/F1 (zero_division = 0).</param>
public sealed record MultiLabelReport(double SubsetAccuracy, double HammingLoss, ClassScores Micro, ClassScores Macro)
{
    /// <summary>Micro-averaged F1.</summary>
    public double MicroF1 => Micro.F1;

    /// <summary>Macro-averaged F1.</summary>
    public double MacroF1 => Macro.F1;

    /// <summary>The metrics under Trainer-style keys: {prefix}subset_accuracy, {prefix}hamming_loss, {prefix}f1_micro, {prefix}f1_macro, ...</summary>
    public Dictionary<string, double> ToDictionary(string prefix = "eval_") => new()
    {
        [$"{prefix}subset_accuracy"] = SubsetAccuracy,
        [$"{prefix}hamming_loss"] = HammingLoss,
        [$"{prefix}f1_micro"] = Micro.F1,
        [$"{prefix}f1_macro"] = Macro.F1,
        [$"{prefix}precision_micro"] = Micro.Precision,
        [$"{prefix}precision_macro"] = Macro.Precision,
        [$"{prefix}recall_micro"] = Micro.Recall,
        [$"{prefix}recall_macro"] = Macro.Recall,
    };
}

/// <summary>Multi-label classification metrics over boolean indicator matrices (samples × labels).</summary>
public static class MultiLabelMetrics
{
    /// <summary>Scores <paramref name="predicted"/> against <paramref name="labels"/>; row i, column j says whether sample i has label j.</summary>
    /// <exception cref="ArgumentException">Row counts differ, the input is empty, or a row's width differs from the first row's.</exception>
    public static MultiLabelReport Compute(bool[][] predicted, bool[][] labels)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(labels);
        MetricInputs.RequireSameNonZeroLength(predicted.Length, labels.Length, "multi-label");
        int labelCount = labels[0]?.Length ?? 0;
        if (labelCount == 0)
            throw new ArgumentException("labels[0] has no columns: each row needs one entry per label.", nameof(labels));
        for (int i = 0; i < labels.Length; i++)
        {
            RequireWidth(labels[i], labelCount, i, nameof(labels));
            RequireWidth(predicted[i], labelCount, i, nameof(predicted));
        }

        var truePositives = new long[labelCount];
        var falsePositives = new long[labelCount];
        var falseNegatives = new long[labelCount];
        var supports = new int[labelCount];
        int exactRows = 0;
        long wrongCells = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            bool rowExact = true;
            for (int j = 0; j < labelCount; j++)
            {
                bool p = predicted[i][j], t = labels[i][j];
                if (t) supports[j]++;
                if (p && t) truePositives[j]++;
                else if (p) falsePositives[j]++;
                else if (t) falseNegatives[j]++;
                if (p != t) { rowExact = false; wrongCells++; }
            }
            if (rowExact) exactRows++;
        }

        var perLabel = new ClassScores[labelCount];
        for (int j = 0; j < labelCount; j++)
            perLabel[j] = ClassScores.FromCounts(truePositives[j], falsePositives[j], falseNegatives[j], supports[j]);
        int totalSupport = supports.Sum();

        return new MultiLabelReport(
            SubsetAccuracy: (double)exactRows / labels.Length,
            HammingLoss: (double)wrongCells / ((long)labels.Length * labelCount),
            Micro: ClassScores.FromCounts(truePositives.Sum(), falsePositives.Sum(), falseNegatives.Sum(), totalSupport),
            Macro: new ClassScores(
                perLabel.Average(s => s.Precision), perLabel.Average(s => s.Recall), perLabel.Average(s => s.F1), totalSupport));
    }

    private static void RequireWidth(bool[]? row, int expected, int index, string paramName)
    {
        if (row is null || row.Length != expected)
            throw new ArgumentException(
                $"{paramName}[{index}] has {row?.Length.ToString() ?? "no"} columns, expected {expected} (one per label, as in labels[0]).",
                paramName);
    }
}
