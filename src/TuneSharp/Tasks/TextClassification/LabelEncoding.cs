using TuneSharp.Data;
using TuneSharp.Evaluation;
using TuneSharp.Tasks.SequenceClassification;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.TextClassification;

/// <summary>Metrics (without a key prefix) and, for single-label problems, the full classification report.</summary>
public sealed record LabelMetrics(Dictionary<string, double> Values, ClassificationReport? Report);

/// <summary>
/// What depends on the problem type in text classification, in one place: how label cells are read, how they become
/// target rows and tensors, how logits become scores, and which metrics score the predictions.
/// Target rows are float arrays: [class id] (single-label), multi-hot [C] (multi-label) or [value] (regression).
/// </summary>
public abstract class LabelEncoding
{
    /// <summary>Probability threshold above which a multi-label class is predicted (on the sigmoid, as is usual).</summary>
    public const double MultiLabelThreshold = 0.5;

    private protected LabelEncoding(IReadOnlyList<string> labels) => Labels = labels;

    /// <summary>The encoding of <paramref name="problemType"/> for a head whose outputs are named <paramref name="labels"/>.</summary>
    public static LabelEncoding For(ProblemType problemType, IReadOnlyList<string> labels) => problemType switch
    {
        ProblemType.SingleLabelClassification => new SingleLabelEncoding(labels),
        ProblemType.MultiLabelClassification => new MultiLabelEncoding(labels),
        ProblemType.Regression => new RegressionEncoding(labels),
        _ => throw new ArgumentOutOfRangeException(nameof(problemType), problemType, "Unknown problem type."),
    };

    /// <summary>How the data files' label cells are read for this problem type.</summary>
    public static LabelFormat DataFormat(ProblemType problemType) => problemType switch
    {
        ProblemType.MultiLabelClassification => LabelFormat.ClassList,
        ProblemType.Regression => LabelFormat.Number,
        _ => LabelFormat.ClassName,
    };

    /// <summary>The problem type this encoding serves.</summary>
    public abstract ProblemType ProblemType { get; }

    /// <summary>Names of the head's outputs, in output order.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Target row of every example of <paramref name="data"/>; its class names must be among <see cref="Labels"/>.</summary>
    /// <exception cref="TuneSharpException">The data's label format does not fit the problem type, or a label is unknown.</exception>
    public float[][] Encode(TextClassificationDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var expected = DataFormat(ProblemType);
        if (data.Format != expected)
            throw new TuneSharpException($"{data.SourcePath ?? "The data"}: labels were read as {data.Format}, but a {ProblemType.ToHfString()} model needs {expected} labels.");
        return data.Examples.Select(e => Encode(data, e)).ToArray();
    }

    /// <summary>The batch tensor of target rows, as <see cref="SequenceClassificationLoss.Compute"/> takes it for this problem type.</summary>
    public abstract Tensor Targets(IEnumerable<float[]> rows);

    /// <summary>Logits [B, C] → scores [B, C]: softmax, sigmoid, or the raw value for regression.</summary>
    public abstract Tensor Scores(Tensor logits);

    /// <summary>The loss of one example from its scores (the same loss as training, without label smoothing).</summary>
    public abstract double Loss(double[] scores, float[] target);

    /// <summary>Metrics of the scores of every example against its target row.</summary>
    public abstract LabelMetrics Metrics(double[][] scores, float[][] targets);

    private protected abstract float[] Encode(TextClassificationDataset data, TextClassificationExample example);

    private protected int IdOf(string label, TextClassificationDataset data, TextClassificationExample example)
    {
        for (var i = 0; i < Labels.Count; i++)
            if (Labels[i] == label) return i;
        throw new TuneSharpException($"{data.SourcePath ?? "data"}: line {example.Line}: label '{label}' is not one the model has ({string.Join(", ", Labels.Select(l => $"'{l}'"))}).");
    }

    private sealed class SingleLabelEncoding(IReadOnlyList<string> labels) : LabelEncoding(labels)
    {
        public override ProblemType ProblemType => ProblemType.SingleLabelClassification;

        public override Tensor Targets(IEnumerable<float[]> rows) => tensor(rows.Select(r => (long)r[0]).ToArray(), ScalarType.Int64);

        public override Tensor Scores(Tensor logits) => nn.functional.softmax(logits.to_type(ScalarType.Float32), 1);

        public override double Loss(double[] scores, float[] target) => -Math.Log(Math.Max(scores[(int)target[0]], double.Epsilon));

        public override LabelMetrics Metrics(double[][] scores, float[][] targets)
        {
            var predicted = scores.Select(ArgMax).ToArray();
            var truth = targets.Select(t => (int)t[0]).ToArray();
            var id2label = Enumerable.Range(0, Labels.Count).ToDictionary(i => i, i => Labels[i]);
            var report = ClassificationMetrics.Compute(predicted, truth, Labels.Count, id2label);
            return new LabelMetrics(report.ToDictionary(""), report);
        }

        private protected override float[] Encode(TextClassificationDataset data, TextClassificationExample example) =>
            [IdOf(example.Label, data, example)];

        private static int ArgMax(double[] row)
        {
            var best = 0;
            for (var i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
            return best;
        }
    }

    private sealed class MultiLabelEncoding(IReadOnlyList<string> labels) : LabelEncoding(labels)
    {
        public override ProblemType ProblemType => ProblemType.MultiLabelClassification;

        public override Tensor Targets(IEnumerable<float[]> rows)
        {
            var list = rows.ToList();
            return tensor(list.SelectMany(r => r).ToArray(), [list.Count, Labels.Count], ScalarType.Float32);
        }

        public override Tensor Scores(Tensor logits) => logits.to_type(ScalarType.Float32).sigmoid();

        public override double Loss(double[] scores, float[] target)
        {
            // Mean binary cross entropy over the classes, with probabilities kept off 0 and 1 as log does not like them.
            double sum = 0;
            for (var j = 0; j < scores.Length; j++)
            {
                var p = Math.Clamp(scores[j], 1e-12, 1 - 1e-12);
                sum -= target[j] * Math.Log(p) + (1 - target[j]) * Math.Log(1 - p);
            }
            return sum / scores.Length;
        }

        public override LabelMetrics Metrics(double[][] scores, float[][] targets)
        {
            var predicted = scores.Select(row => row.Select(p => p >= MultiLabelThreshold).ToArray()).ToArray();
            var truth = targets.Select(row => row.Select(t => t >= 0.5f).ToArray()).ToArray();
            return new LabelMetrics(MultiLabelMetrics.Compute(predicted, truth).ToDictionary(""), null);
        }

        private protected override float[] Encode(TextClassificationDataset data, TextClassificationExample example)
        {
            var row = new float[Labels.Count];
            foreach (var name in LabelCells.SplitClassList(example.Label, data.LabelSeparator) ?? [])
                row[IdOf(name, data, example)] = 1f;
            return row;
        }
    }

    private sealed class RegressionEncoding : LabelEncoding
    {
        public RegressionEncoding(IReadOnlyList<string> labels) : base(labels)
        {
            if (labels.Count != 1)
                throw new SequenceClassificationException($"Regression needs a head with one output, but it has {labels.Count} ({string.Join(", ", labels)}).");
        }

        public override ProblemType ProblemType => ProblemType.Regression;

        public override Tensor Targets(IEnumerable<float[]> rows) => tensor(rows.Select(r => r[0]).ToArray(), ScalarType.Float32);

        public override Tensor Scores(Tensor logits) => logits.to_type(ScalarType.Float32);

        public override double Loss(double[] scores, float[] target) => (scores[0] - target[0]) * (scores[0] - target[0]);

        public override LabelMetrics Metrics(double[][] scores, float[][] targets) =>
            new(RegressionMetrics.Compute(scores.Select(s => s[0]).ToArray(), targets.Select(t => (double)t[0]).ToArray()).ToDictionary(""), null);

        private protected override float[] Encode(TextClassificationDataset data, TextClassificationExample example) => [(float)data.Value(example)];
    }
}
