using System.Globalization;
using System.Text;

namespace TuneSharp.Evaluation.SequenceLabeling;

/// <summary>The result of <see cref="SeqevalMetrics.Compute"/>: entity-level scores overall and per type, and token accuracy.</summary>
public sealed class SequenceLabelingReport
{
    private readonly EntityTypeScores[] _perType;

    internal SequenceLabelingReport(
        SeqevalMode mode, TagScheme? scheme, double accuracy, ClassScores micro, ClassScores macro, ClassScores weighted,
        EntityTypeScores[] perType, int predictedEntities, int correctEntities)
    {
        Mode = mode;
        Scheme = scheme;
        Accuracy = accuracy;
        Micro = micro;
        Macro = macro;
        Weighted = weighted;
        _perType = perType;
        PredictedEntities = predictedEntities;
        CorrectEntities = correctEntities;
    }

    /// <summary>How entities were read.</summary>
    public SeqevalMode Mode { get; }

    /// <summary>The scheme of <see cref="SeqevalMode.Strict"/>; null in the default mode, which uses none.</summary>
    public TagScheme? Scheme { get; }

    /// <summary>Overall (micro) precision: correct entities / predicted entities; 0 when nothing was predicted.</summary>
    public double Precision => Micro.Precision;

    /// <summary>Overall (micro) recall: correct entities / labelled entities; 0 when the labels hold no entity.</summary>
    public double Recall => Micro.Recall;

    /// <summary>Overall (micro) F1 of <see cref="Precision"/> and <see cref="Recall"/>; 0 when both are 0. transformers' NER examples report this as "f1".</summary>
    public double F1 => Micro.F1;

    /// <summary>Fraction of tokens (all sentences together) whose predicted tag equals the label, "O" tokens included.</summary>
    public double Accuracy { get; }

    /// <summary>Scores of the entity counts summed over types (seqeval's "micro avg" row); Support is the number of labelled entities.</summary>
    public ClassScores Micro { get; }

    /// <summary>Unweighted mean of the per-type scores ("macro avg"); NaN when no entity was labelled or predicted, as in seqeval.</summary>
    public ClassScores Macro { get; }

    /// <summary>Mean of the per-type scores weighted by support ("weighted avg"); all 0 when no entity was labelled.</summary>
    public ClassScores Weighted { get; }

    /// <summary>Scores of each type found in the labels or the predictions, in ordinal order of the type name.</summary>
    public IReadOnlyList<EntityTypeScores> PerType => _perType;

    /// <summary>Labelled entities, all types together.</summary>
    public int TrueEntities => Micro.Support;

    /// <summary>Predicted entities, all types together.</summary>
    public int PredictedEntities { get; }

    /// <summary>Predicted entities that match a labelled one exactly.</summary>
    public int CorrectEntities { get; }

    /// <summary>
    /// The metrics under the names transformers' run_ner.py logs: {prefix}precision, {prefix}recall, {prefix}f1 and
    /// {prefix}accuracy (overall), then for each type {prefix}TYPE_precision, _recall, _f1 and _number (its support),
    /// the per-type names run_ner gives with return_entity_level_metrics (which calls the overall four overall_precision etc.).
    /// </summary>
    /// <param name="prefix">Put before every key, as the trainer's metric_key_prefix: "eval_", "test_", or "".</param>
    public Dictionary<string, double> ToDictionary(string prefix = "eval_")
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var metrics = new Dictionary<string, double>
        {
            [$"{prefix}precision"] = Precision,
            [$"{prefix}recall"] = Recall,
            [$"{prefix}f1"] = F1,
            [$"{prefix}accuracy"] = Accuracy,
        };
        foreach (var scores in _perType)
        {
            metrics[$"{prefix}{scores.Type}_precision"] = scores.Precision;
            metrics[$"{prefix}{scores.Type}_recall"] = scores.Recall;
            metrics[$"{prefix}{scores.Type}_f1"] = scores.F1;
            metrics[$"{prefix}{scores.Type}_number"] = scores.Support;
        }
        return metrics;
    }

    /// <summary>
    /// A table laid out as seqeval's classification_report prints it: one row per type, then micro, macro and weighted
    /// averages, values with <paramref name="digits"/> decimals. Unlike seqeval, which fails on input with no entity,
    /// it then prints just the average rows.
    /// </summary>
    public string ToText(int digits = 4)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(digits);
        const string weightedName = "weighted avg";
        int width = Math.Max(Math.Max(weightedName.Length, digits), _perType.Length == 0 ? 0 : _perType.Max(s => s.Type.Length));
        // seqeval's layout: the name right-aligned in `width`, then each column as a space and 9 characters right-aligned.
        string Value(double value) =>
            " " + (double.IsNaN(value) ? "nan" : value.ToString("F" + digits, CultureInfo.InvariantCulture)).PadLeft(9);
        string Row(string name, double precision, double recall, double f1, int support) =>
            name.PadLeft(width) + " " + Value(precision) + Value(recall) + Value(f1) + " " + support.ToString(CultureInfo.InvariantCulture).PadLeft(9);

        var text = new StringBuilder();
        text.Append(new string(' ', width)).Append(' ');
        foreach (string header in new[] { "precision", "recall", "f1-score", "support" })
            text.Append(' ').Append(header.PadLeft(9));
        text.Append("\n\n");
        foreach (var s in _perType)
            text.Append(Row(s.Type, s.Precision, s.Recall, s.F1, s.Support)).Append('\n');
        text.Append('\n');
        text.Append(Row("micro avg", Micro.Precision, Micro.Recall, Micro.F1, Micro.Support)).Append('\n');
        text.Append(Row("macro avg", Macro.Precision, Macro.Recall, Macro.F1, Macro.Support)).Append('\n');
        text.Append(Row(weightedName, Weighted.Precision, Weighted.Recall, Weighted.F1, Weighted.Support)).Append('\n');
        return text.ToString();
    }

    /// <inheritdoc cref="ToText"/>
    public override string ToString() => ToText();
}
