using TuneSharp.Tasks.SequenceClassification;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Tasks.SequenceClassification;

/// <summary>Each loss against numbers computed here from the explicit formulas in double precision.</summary>
public class SequenceClassificationLossTests
{
    private static readonly double[][] Logits = [[2.0, 1.0, 0.0], [0.5, 0.5, 3.0], [-1.0, 0.25, 0.0]];

    private static Tensor LogitTensor(ScalarType dtype = ScalarType.Float32)
        => tensor(Logits.SelectMany(r => r).Select(v => (float)v).ToArray(), [3, 3]).to_type(dtype);

    /// <summary>-log softmax(row)[c] = logsumexp(row) - row[c].</summary>
    private static double NegLogProb(double[] row, int c) => Math.Log(row.Sum(Math.Exp)) - row[c];

    [Fact]
    public void CrossEntropyIsTheMeanNegativeLogLikelihood()
    {
        int[] labels = [0, 2, 1];
        var expected = Enumerable.Range(0, 3).Average(i => NegLogProb(Logits[i], labels[i]));
        using var loss = SequenceClassificationLoss.CrossEntropy(LogitTensor(), tensor(new long[] { 0, 2, 1 }));
        Assert.Equal(ScalarType.Float32, loss.dtype);
        Assert.Equal(expected, loss.item<float>(), 1e-6);
    }

    [Fact]
    public void LabelSmoothingFollowsTransformersLabelSmoother()
    {
        int[] labels = [0, 2, 1];
        const double epsilon = 0.1;
        var nll = Enumerable.Range(0, 3).Average(i => NegLogProb(Logits[i], labels[i]));
        var uniform = Enumerable.Range(0, 3).SelectMany(i => Enumerable.Range(0, 3).Select(c => NegLogProb(Logits[i], c))).Average();
        var expected = (1 - epsilon) * nll + epsilon * uniform;
        using var loss = SequenceClassificationLoss.Compute(LogitTensor(), tensor(new long[] { 0, 2, 1 }), ProblemType.SingleLabelClassification, epsilon);
        Assert.Equal(expected, loss.item<float>(), 1e-6);
        Assert.True(Math.Abs(nll - loss.item<float>()) > 1e-3, "smoothing did not change the loss");
    }

    [Fact]
    public void IgnoredLabelsDoNotCount()
    {
        const double epsilon = 0.2;
        // Only rows 0 (label 1) and 2 (label 2) count.
        var nll = (NegLogProb(Logits[0], 1) + NegLogProb(Logits[2], 2)) / 2;
        var uniform = new[] { 0, 2 }.SelectMany(i => Enumerable.Range(0, 3).Select(c => NegLogProb(Logits[i], c))).Average();
        var labels = tensor(new long[] { 1, SequenceClassificationLoss.IgnoreIndex, 2 });
        using var plain = SequenceClassificationLoss.CrossEntropy(LogitTensor(), labels);
        using var smoothed = SequenceClassificationLoss.CrossEntropy(LogitTensor(), labels, epsilon);
        Assert.Equal(nll, plain.item<float>(), 1e-6);
        Assert.Equal((1 - epsilon) * nll + epsilon * uniform, smoothed.item<float>(), 1e-6);
    }

    [Fact]
    public void Bfloat16LogitsAreScoredInFloat32()
    {
        using var logits = LogitTensor(ScalarType.BFloat16); // these values are exact in bf16
        using var loss = SequenceClassificationLoss.CrossEntropy(logits, tensor(new long[] { 0, 2, 1 }));
        Assert.Equal(ScalarType.Float32, loss.dtype);
        Assert.Equal(Enumerable.Range(0, 3).Average(i => NegLogProb(Logits[i], new[] { 0, 2, 1 }[i])), loss.item<float>(), 1e-6);
    }

    [Fact]
    public void MultiLabelIsMeanBinaryCrossEntropyWithLogits()
    {
        double[][] targets = [[1, 0, 1], [0, 0, 1], [1, 1, 0]];
        static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
        var expected = Enumerable.Range(0, 3).SelectMany(i => Enumerable.Range(0, 3).Select(c =>
            -(targets[i][c] * Math.Log(Sigmoid(Logits[i][c])) + (1 - targets[i][c]) * Math.Log(1 - Sigmoid(Logits[i][c]))))).Average();
        var labels = tensor(targets.SelectMany(r => r).Select(v => (float)v).ToArray(), [3, 3]);
        using var loss = SequenceClassificationLoss.Compute(LogitTensor(), labels, ProblemType.MultiLabelClassification);
        Assert.Equal(expected, loss.item<float>(), 1e-6);
    }

    [Fact]
    public void RegressionWithOneOutputSqueezesBothSides()
    {
        var logits = tensor(new[] { 0.5f, 2.0f, -1.0f }, [3, 1]);
        var expected = (Math.Pow(0.5 - 1.0, 2) + Math.Pow(2.0 - 0.0, 2) + Math.Pow(-1.0 - 0.5, 2)) / 3; // 6.5 / 3
        using var flat = SequenceClassificationLoss.Compute(logits, tensor(new[] { 1.0, 0.0, 0.5 }), ProblemType.Regression);
        using var column = SequenceClassificationLoss.Compute(logits, tensor(new[] { 1.0f, 0.0f, 0.5f }, [3, 1]), ProblemType.Regression);
        Assert.Equal(ScalarType.Float32, flat.dtype);
        Assert.Equal(expected, flat.item<float>(), 1e-6);
        Assert.Equal(expected, column.item<float>(), 1e-6);
    }

    [Fact]
    public void RegressionWithSeveralOutputsIsTheMeanOverAllOfThem()
    {
        var logits = tensor(new[] { 1f, 2f, 3f, 4f }, [2, 2]);
        var labels = tensor(new[] { 0f, 2f, 5f, 4f }, [2, 2]);
        using var loss = SequenceClassificationLoss.MeanSquaredError(logits, labels);
        Assert.Equal((1.0 + 0 + 4 + 0) / 4, loss.item<float>(), 1e-6);
        Assert.Throws<ArgumentException>(() => SequenceClassificationLoss.MeanSquaredError(logits, tensor(new[] { 1f, 2f })));
    }

    [Fact]
    public void OutOfRangeLabelIsAClearError()
    {
        var error = Assert.Throws<SequenceClassificationException>(() =>
            SequenceClassificationLoss.CrossEntropy(LogitTensor(), tensor(new long[] { 0, 3, 1 })));
        Assert.Contains("Label 3 is out of range", error.Message);
        Assert.Contains("3 classes", error.Message);
    }
}
