namespace TuneSharp.Evaluation.SequenceLabeling;

/// <summary>seqeval's arithmetic on entity counts (<c>precision_recall_fscore_support</c> with beta = 1 and zero_division = "warn", which scores 0).</summary>
internal static class EntityScoring
{
    public static double Ratio(int numerator, int denominator) => denominator == 0 ? 0.0 : (double)numerator / denominator;

    // From P and R, as seqeval computes it, rather than from counts: the two agree in exact arithmetic but not always to the last bit.
    public static double F1(double precision, double recall) =>
        precision + recall == 0 ? 0.0 : 2 * precision * recall / (precision + recall);

    public static EntityTypeScores Score(string type, int correct, int predicted, int support)
    {
        double precision = Ratio(correct, predicted), recall = Ratio(correct, support);
        return new EntityTypeScores(type, precision, recall, F1(precision, recall), support, predicted, correct);
    }

    /// <summary>Unweighted mean over types; NaN when there are no types, as numpy's mean of an empty array.</summary>
    public static ClassScores Macro(IReadOnlyList<EntityTypeScores> perType, int support)
    {
        if (perType.Count == 0) return new ClassScores(double.NaN, double.NaN, double.NaN, support);
        double precision = 0, recall = 0, f1 = 0;
        foreach (var scores in perType)
        {
            precision += scores.Precision;
            recall += scores.Recall;
            f1 += scores.F1;
        }
        return new ClassScores(precision / perType.Count, recall / perType.Count, f1 / perType.Count, support);
    }

    /// <summary>Mean weighted by support; 0 for all three when the labels hold no entity (seqeval's zero_division value).</summary>
    public static ClassScores Weighted(IReadOnlyList<EntityTypeScores> perType, int support)
    {
        if (support == 0) return new ClassScores(0.0, 0.0, 0.0, 0);
        double precision = 0, recall = 0, f1 = 0;
        foreach (var scores in perType)
        {
            precision += scores.Precision * scores.Support;
            recall += scores.Recall * scores.Support;
            f1 += scores.F1 * scores.Support;
        }
        return new ClassScores(precision / support, recall / support, f1 / support, support);
    }
}
