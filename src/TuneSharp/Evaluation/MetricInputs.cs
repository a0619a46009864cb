namespace TuneSharp.Evaluation;

/// <summary>Argument checks shared by the metric functions, so every one fails with the same clear wording.</summary>
internal static class MetricInputs
{
    public static void RequireSameNonZeroLength(int predictionCount, int labelCount, string what)
    {
        if (predictionCount != labelCount)
            throw new ArgumentException(
                $"predictions and labels must have the same length, but there are {predictionCount} predictions and {labelCount} labels.");
        if (labelCount == 0)
            throw new ArgumentException($"Cannot compute {what} metrics of an empty set: predictions and labels are both empty.");
    }

    public static void RequireClassIds(IReadOnlyList<int> ids, int numClasses, string paramName)
    {
        for (int i = 0; i < ids.Count; i++)
            if (ids[i] < 0 || ids[i] >= numClasses)
                throw new ArgumentException(
                    $"{paramName}[{i}] = {ids[i]} is not a class id: expected 0..{numClasses - 1} (numClasses = {numClasses}).",
                    paramName);
    }
}
