using System.Globalization;
using System.Text;

namespace TuneSharp.Evaluation;

/// <summary>The result of <see cref="ClassificationMetrics.Compute"/>: scores, averages, confusion matrix, and text renderings of them.</summary>
public sealed class ClassificationReport
{
    private readonly ClassScores[] _perClass;
    private readonly int[,] _confusionMatrix;
    private readonly string[] _classNames;

    internal ClassificationReport(
        double accuracy, ClassScores[] perClass, ClassScores macro, ClassScores micro, ClassScores weighted,
        int[,] confusionMatrix, string[] classNames)
    {
        Accuracy = accuracy;
        _perClass = perClass;
        Macro = macro;
        Micro = micro;
        Weighted = weighted;
        _confusionMatrix = confusionMatrix;
        _classNames = classNames;
    }

    /// <summary>Fraction of samples whose prediction equals the label.</summary>
    public double Accuracy { get; }

    /// <summary>Scores of each class, indexed by class id.</summary>
    public IReadOnlyList<ClassScores> PerClass => _perClass;

    /// <summary>Unweighted mean of the per-class scores (F1 is the mean of per-class F1s, as in scikit-learn).</summary>
    public ClassScores Macro { get; }

    /// <summary>Scores of the TP/FP/FN counts summed over classes; for single-label data all three equal <see cref="Accuracy"/>.</summary>
    public ClassScores Micro { get; }

    /// <summary>Mean of the per-class scores weighted by each class's support.</summary>
    public ClassScores Weighted { get; }

    /// <summary>Counts with rows = true label and columns = predicted label. A copy, so callers cannot change the report.</summary>
    public int[,] ConfusionMatrix => (int[,])_confusionMatrix.Clone();

    /// <summary>Display name of each class: its id2label entry, or the id itself.</summary>
    public IReadOnlyList<string> ClassNames => _classNames;

    /// <summary>Number of classes scored.</summary>
    public int NumClasses => _perClass.Length;

    /// <summary>
    /// The aggregate metrics under Hugging Face Trainer-style keys: {prefix}accuracy, {prefix}f1 (macro),
    /// {prefix}f1_micro, {prefix}f1_weighted, and the same three variants of precision and recall.
    /// </summary>
    public Dictionary<string, double> ToDictionary(string prefix = "eval_")
    {
        var metrics = new Dictionary<string, double> { [$"{prefix}accuracy"] = Accuracy };
        AddAverages(metrics, prefix, "precision", s => s.Precision);
        AddAverages(metrics, prefix, "recall", s => s.Recall);
        AddAverages(metrics, prefix, "f1", s => s.F1);
        return metrics;
    }

    private void AddAverages(Dictionary<string, double> metrics, string prefix, string name, Func<ClassScores, double> pick)
    {
        metrics[$"{prefix}{name}"] = pick(Macro);
        metrics[$"{prefix}{name}_micro"] = pick(Micro);
        metrics[$"{prefix}{name}_weighted"] = pick(Weighted);
    }

    /// <summary>A per-class table laid out like scikit-learn's classification_report, with accuracy, macro and weighted rows.</summary>
    public string FormatReport(int digits = 4)
    {
        const string weightedName = "weighted avg";
        int nameWidth = Math.Max(weightedName.Length, _classNames.Max(n => n.Length));
        const int columnWidth = 10;
        string Number(double value) => value.ToString("F" + digits, CultureInfo.InvariantCulture).PadLeft(columnWidth);
        string Count(int value) => value.ToString(CultureInfo.InvariantCulture).PadLeft(columnWidth);
        string Row(string name, ClassScores s) =>
            name.PadLeft(nameWidth) + Number(s.Precision) + Number(s.Recall) + Number(s.F1) + Count(s.Support);

        var text = new StringBuilder();
        text.AppendLine(new string(' ', nameWidth) + "precision".PadLeft(columnWidth) + "recall".PadLeft(columnWidth)
            + "f1-score".PadLeft(columnWidth) + "support".PadLeft(columnWidth));
        text.AppendLine();
        for (int c = 0; c < NumClasses; c++)
            text.AppendLine(Row(_classNames[c], _perClass[c]));
        text.AppendLine();
        // Like scikit-learn, the accuracy row leaves the precision and recall columns blank.
        text.AppendLine("accuracy".PadLeft(nameWidth) + new string(' ', 2 * columnWidth) + Number(Accuracy) + Count(Macro.Support));
        text.AppendLine(Row("macro avg", Macro));
        text.AppendLine(Row(weightedName, Weighted));
        return text.ToString();
    }

    /// <summary>The confusion matrix as a text grid labelled with class names: one row per true class, one column per predicted class.</summary>
    public string FormatConfusionMatrix()
    {
        const string corner = "true \\ predicted";
        int rowHeaderWidth = Math.Max(corner.Length, _classNames.Max(n => n.Length));
        int maxCount = 0;
        foreach (int count in _confusionMatrix) maxCount = Math.Max(maxCount, count);
        // Every column gets the same width so the grid stays aligned whatever the names' lengths.
        int columnWidth = 2 + Math.Max(_classNames.Max(n => n.Length), maxCount.ToString(CultureInfo.InvariantCulture).Length);

        var text = new StringBuilder();
        text.Append(corner.PadRight(rowHeaderWidth));
        foreach (string name in _classNames) text.Append(name.PadLeft(columnWidth));
        text.AppendLine();
        for (int trueClass = 0; trueClass < NumClasses; trueClass++)
        {
            text.Append(_classNames[trueClass].PadRight(rowHeaderWidth));
            for (int predicted = 0; predicted < NumClasses; predicted++)
                text.Append(_confusionMatrix[trueClass, predicted].ToString(CultureInfo.InvariantCulture).PadLeft(columnWidth));
            text.AppendLine();
        }
        return text.ToString();
    }

    /// <inheritdoc cref="FormatReport"/>
    public override string ToString() => FormatReport();
}
