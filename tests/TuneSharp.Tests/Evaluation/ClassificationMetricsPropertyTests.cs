using TuneSharp.Evaluation;

namespace TuneSharp.Tests.Evaluation;

/// <summary>Invariants that must hold for any single-label input, checked over seeded random cases.</summary>
public sealed class ClassificationMetricsPropertyTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void InvariantsHoldOnRandomInputs()
    {
        var random = new Random(20240611);
        for (int trial = 0; trial < 300; trial++)
        {
            int numClasses = random.Next(1, 7);
            int count = random.Next(1, 60);
            // Skew predictions towards class 0 now and then so unpredicted classes (zero division) occur often.
            bool skewed = random.Next(3) == 0;
            int[] labels = Enumerable.Range(0, count).Select(_ => random.Next(numClasses)).ToArray();
            int[] predictions = Enumerable.Range(0, count)
                .Select(_ => skewed && random.Next(2) == 0 ? 0 : random.Next(numClasses)).ToArray();
            string context = $"trial {trial}: numClasses={numClasses}, labels=[{string.Join(",", labels)}], predictions=[{string.Join(",", predictions)}]";

            var report = ClassificationMetrics.Compute(predictions, labels, numClasses);

            foreach (double value in report.ToDictionary().Values)
                Assert.True(value is >= 0 and <= 1, $"{context}: metric {value} outside [0, 1]");
            foreach (var scores in report.PerClass)
                Assert.True(scores.Precision is >= 0 and <= 1 && scores.Recall is >= 0 and <= 1 && scores.F1 is >= 0 and <= 1, context);

            double accuracy = labels.Zip(predictions).Count(pair => pair.First == pair.Second) / (double)count;
            Assert.Equal(accuracy, report.Accuracy, Tolerance);
            Assert.Equal(report.Accuracy, report.Micro.F1, Tolerance);
            // Support-weighted recall is TP summed over classes / N, i.e. accuracy again.
            Assert.Equal(report.Accuracy, report.Weighted.Recall, Tolerance);

            var matrix = report.ConfusionMatrix;
            Assert.Equal(count, matrix.Cast<int>().Sum());
            for (int c = 0; c < numClasses; c++)
            {
                int rowSum = Enumerable.Range(0, numClasses).Sum(k => matrix[c, k]);
                int columnSum = Enumerable.Range(0, numClasses).Sum(k => matrix[k, c]);
                Assert.Equal(labels.Count(l => l == c), rowSum);
                Assert.Equal(rowSum, report.PerClass[c].Support);
                Assert.Equal(predictions.Count(p => p == c), columnSum);
                if (columnSum == 0) Assert.Equal(0.0, report.PerClass[c].Precision);
            }
        }
    }
}
