using TuneSharp.Data;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tasks.TextClassification;

namespace TuneSharp.Tests.Tasks.TextClassification;

/// <summary>Reading multi-label and regression label cells, and what <see cref="LabelEncoding"/> makes of them.</summary>
public class ProblemTypeLabelTests : IDisposable
{
    private readonly TempDir _tmp = new();

    private string Tsv(params string[] rows)
    {
        var path = _tmp.File($"data-{Guid.NewGuid():N}.tsv");
        File.WriteAllLines(path, ["text\tlabel", .. rows]);
        return path;
    }

    private static TextClassificationDataset Load(string path, LabelFormat format, LabelMap? map = null, string separator = ",",
        BadRowPolicy onBadRow = BadRowPolicy.Error) =>
        TextClassificationData.Load(new TextClassificationDataOptions { Path = path, LabelFormat = format, LabelSeparator = separator, LabelMap = map, OnBadRow = onBadRow });

    [Fact]
    public void MultiLabelMapIsTheUnionOfTheListsAndTargetsAreMultiHot()
    {
        var data = Load(Tsv("a\tsports, politics", "b\tpolitics", "c\tarts,,sports", "d\tsports,sports"), LabelFormat.ClassList);
        Assert.Equal(["arts", "politics", "sports"], data.Labels.Labels);
        Assert.Equal([0, 2], data.LabelIds(data.Examples[2]).Order());
        Assert.Equal([1, 2, 3], DatasetSplits.ClassCounts(data).Select(c => c.Count));

        var targets = LabelEncoding.For(ProblemType.MultiLabelClassification, data.Labels.Labels).Encode(data);
        Assert.Equal([0f, 1f, 1f], targets[0]);
        Assert.Equal([0f, 1f, 0f], targets[1]);
        Assert.Equal([1f, 0f, 1f], targets[2]);
        Assert.Equal([0f, 0f, 1f], targets[3]);
    }

    [Fact]
    public void CustomSeparatorKeepsCommasInsideNames()
    {
        var data = Load(Tsv("a\tx, y|z"), LabelFormat.ClassList, separator: "|");
        Assert.Equal(["x, y", "z"], data.Labels.Labels);
    }

    [Fact]
    public void UnknownMultiLabelInValidationIsNamedWithItsLine()
    {
        var train = Load(Tsv("a\tsports,politics"), LabelFormat.ClassList);
        var path = Tsv("b\tsports", "c\tpolitics,weather");
        var e = Assert.Throws<DataFormatException>(() => Load(path, LabelFormat.ClassList, train.Labels));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 3", e.Message);
        Assert.Contains("'weather'", e.Message);
    }

    [Fact]
    public void MultiLabelCellWithOnlySeparatorsIsAnEmptyLabel()
    {
        var path = Tsv("a\tsports", "b\t , ,");
        var e = Assert.Throws<DataFormatException>(() => Load(path, LabelFormat.ClassList));
        Assert.Contains("line 3", e.Message);
        Assert.Contains("no class names", e.Message);
    }

    [Fact]
    public void RegressionLabelsAreNumbersWithOneOutput()
    {
        var data = Load(Tsv("a\t0.5", "b\t-3", "c\t1e1"), LabelFormat.Number);
        Assert.Equal(["LABEL_0"], data.Labels.Labels);
        Assert.Equal([0.5, -3, 10], data.Examples.Select(data.Value));
        Assert.Empty(DatasetSplits.ClassCounts(data));
        var targets = LabelEncoding.For(ProblemType.Regression, data.Labels.Labels).Encode(data);
        Assert.Equal([[0.5f], [-3f], [10f]], targets);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1,5")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    public void NonNumericRegressionLabelIsNamedWithFileAndLine(string label)
    {
        var path = Tsv("a\t1", $"b\t{label}");
        var e = Assert.Throws<DataFormatException>(() => Load(path, LabelFormat.Number));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 3", e.Message);
        Assert.Contains($"'{label}' is not a number", e.Message);
    }

    [Fact]
    public void NonNumericRegressionRowsCanBeSkipped()
    {
        var data = Load(Tsv("a\t1", "b\tlots", "c\t2"), LabelFormat.Number, onBadRow: BadRowPolicy.Skip);
        Assert.Equal(2, data.Count);
        Assert.Equal(1, data.Skipped.Count);
    }

    [Fact]
    public void SplittingKeepsTheLabelFormat()
    {
        var rows = Enumerable.Range(0, 40).Select(i => $"t{i}\t{(i % 2 == 0 ? "a" : "a,b")}").ToArray();
        var data = Load(Tsv(rows), LabelFormat.ClassList);
        var (train, validation) = DatasetSplits.TrainValidationSplit(data, 0.25, seed: 1);
        Assert.Equal((30, 10), (train.Count, validation.Count));
        Assert.Equal(LabelFormat.ClassList, validation.Format);
        // Stratified by label set: each set gives validation a quarter of its 20 rows.
        Assert.Equal(5, validation.Examples.Count(e => e.Label == "a,b"));
    }

    [Fact]
    public void DataReadInTheWrongFormatForTheProblemTypeIsRejected()
    {
        var data = Load(Tsv("a\tsports"), LabelFormat.ClassName);
        var e = Assert.Throws<TuneSharpException>(() => LabelEncoding.For(ProblemType.MultiLabelClassification, data.Labels.Labels).Encode(data));
        Assert.Contains("multi_label_classification", e.Message);
    }

    [Fact]
    public void RegressionNeedsOneOutput() =>
        Assert.Throws<SequenceClassificationException>(() => LabelEncoding.For(ProblemType.Regression, ["a", "b"]));

    public void Dispose() => _tmp.Dispose();
}
