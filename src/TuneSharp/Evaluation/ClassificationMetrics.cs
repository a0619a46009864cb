namespace TuneSharp.Evaluation;

/// <summary>Single-label classification metrics (accuracy, per-class and averaged precision/recall/F1, confusion matrix).</summary>
public static class ClassificationMetrics
{
    /// <summary>
    /// Scores <paramref name="predictions"/> against <paramref name="labels"/>, both class ids in 0..numClasses-1.
    /// Definitions follow scikit-learn with zero_division=0, computed over all <paramref name="numClasses"/> classes
    /// (like passing labels=range(numClasses)), so a class absent from both predictions and labels counts as 0 in macro averages.
    /// </summary>
    /// <param name="predictions">Predicted class id of each sample (e.g. the argmax of the logits).</param>
    /// <param name="labels">True class id of each sample.</param>
    /// <param name="numClasses">How many classes the model has; ids must lie in 0..numClasses-1.</param>
    /// <param name="id2label">Optional class names (a model config's id2label) used by the formatted tables; missing ids print as numbers.</param>
    /// <exception cref="ArgumentException">Lengths differ, the input is empty, numClasses &lt; 1, or an id is out of range.</exception>
    public static ClassificationReport Compute(
        IReadOnlyList<int> predictions, IReadOnlyList<int> labels, int numClasses,
        IReadOnlyDictionary<int, string>? id2label = null)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(labels);
        if (numClasses < 1)
            throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "numClasses must be at least 1.");
        MetricInputs.RequireSameNonZeroLength(predictions.Count, labels.Count, "classification");
        MetricInputs.RequireClassIds(predictions, numClasses, nameof(predictions));
        MetricInputs.RequireClassIds(labels, numClasses, nameof(labels));

        var confusion = new int[numClasses, numClasses];
        for (int i = 0; i < labels.Count; i++)
            confusion[labels[i], predictions[i]]++;

        var perClass = new ClassScores[numClasses];
        for (int c = 0; c < numClasses; c++)
        {
            int truePositives = confusion[c, c];
            int support = 0, predicted = 0;
            for (int k = 0; k < numClasses; k++)
            {
                support += confusion[c, k];   // row: samples whose true label is c
                predicted += confusion[k, c]; // column: samples predicted as c
            }
            perClass[c] = ClassScores.FromCounts(truePositives, predicted - truePositives, support - truePositives, support);
        }

        int total = labels.Count;
        int correct = 0;
        for (int c = 0; c < numClasses; c++) correct += confusion[c, c];

        var names = new string[numClasses];
        for (int c = 0; c < numClasses; c++)
            names[c] = id2label is not null && id2label.TryGetValue(c, out var name) ? name : c.ToString();

        return new ClassificationReport(
            accuracy: (double)correct / total,
            perClass: perClass,
            macro: MacroAverage(perClass, total),
            // Summing TP, FP, FN over classes: every wrong prediction is one FP and one FN, so micro P = R = F1 = accuracy.
            micro: ClassScores.FromCounts(correct, total - correct, total - correct, total),
            weighted: WeightedAverage(perClass, total),
            confusionMatrix: confusion,
            classNames: names);
    }

    private static ClassScores MacroAverage(ClassScores[] perClass, int total) => new(
        perClass.Average(s => s.Precision), perClass.Average(s => s.Recall), perClass.Average(s => s.F1), total);

    private static ClassScores WeightedAverage(ClassScores[] perClass, int total) => new(
        perClass.Sum(s => s.Precision * s.Support) / total,
        perClass.Sum(s => s.Recall * s.Support) / total,
        perClass.Sum(s => s.F1 * s.Support) / total,
        total);
}
