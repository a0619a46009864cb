using TuneSharp.Data;

namespace TuneSharp.Tests.Data;

public class DatasetSplitsTests
{
    private static TextClassificationDataset Make(params (string Label, int Count)[] classes)
    {
        var examples = new List<TextClassificationExample>();
        // Interleave the classes so that file order is not class order.
        for (var i = 0; examples.Count < classes.Sum(c => c.Count); i++)
            foreach (var (label, count) in classes)
                if (i < count) examples.Add(new TextClassificationExample($"{label} {i}", null, label, examples.Count + 2));
        return new TextClassificationDataset(examples, LabelMap.Build(classes.Select(c => c.Label)));
    }

    [Fact]
    public void Split_is_stratified_exactly()
    {
        var dataset = Make(("A", 30), ("B", 10));

        var (train, validation) = DatasetSplits.TrainValidationSplit(dataset, 0.1, seed: 42);

        Assert.Equal([3, 1], DatasetSplits.ClassCounts(validation).Select(c => c.Count));
        Assert.Equal([27, 9], DatasetSplits.ClassCounts(train).Select(c => c.Count));
        Assert.Empty(train.Examples.Intersect(validation.Examples));
        Assert.Equal(dataset.Examples.ToHashSet(), train.Examples.Concat(validation.Examples).ToHashSet());
        Assert.Same(dataset.Labels, validation.Labels);
        // Each side keeps file order.
        Assert.Equal(train.Examples.OrderBy(e => e.Line), train.Examples);
        Assert.Equal(validation.Examples.OrderBy(e => e.Line), validation.Examples);
    }

    [Fact]
    public void Split_depends_only_on_the_seed()
    {
        var dataset = Make(("A", 30), ("B", 10), ("C", 20));

        var first = DatasetSplits.TrainValidationSplit(dataset, 0.2, seed: 1).Validation.Examples.Select(e => e.Text).ToList();
        var again = DatasetSplits.TrainValidationSplit(dataset, 0.2, seed: 1).Validation.Examples.Select(e => e.Text).ToList();
        var other = DatasetSplits.TrainValidationSplit(dataset, 0.2, seed: 2).Validation.Examples.Select(e => e.Text).ToList();

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.Equal(12, first.Count);
        Assert.Equal(12, other.Count);
    }

    [Fact]
    public void Every_class_keeps_an_example_for_training()
    {
        var dataset = Make(("A", 10), ("B", 2), ("C", 1));

        var (train, validation) = DatasetSplits.TrainValidationSplit(dataset, 0.5, seed: 3);

        // round(13 × 0.5) = 7, shared 10:2:1 → 5.38, 1.08, 0.54 → 5 + 1 + 0, plus one more for the largest remainder that has room (A).
        Assert.Equal([6, 1, 0], DatasetSplits.ClassCounts(validation).Select(c => c.Count));
        Assert.Equal([4, 1, 1], DatasetSplits.ClassCounts(train).Select(c => c.Count));
    }

    [Fact]
    public void Small_fractions_still_give_a_validation_example_overall()
    {
        var dataset = Make(("A", 3), ("B", 3), ("C", 3));

        var (_, validation) = DatasetSplits.TrainValidationSplit(dataset, 0.1, seed: 0);

        Assert.Equal(1, validation.Count); // round(9 × 0.1) = 1, though each class's share rounds to 0
    }

    [Fact]
    public void Impossible_splits_are_errors()
    {
        var dataset = Make(("A", 1), ("B", 1));
        Assert.Contains("leaves no validation example", Assert.Throws<TuneSharpException>(() => DatasetSplits.TrainValidationSplit(dataset, 0.5, 0)).Message);
        var larger = Make(("A", 5));
        Assert.Throws<TuneSharpException>(() => DatasetSplits.TrainValidationSplit(larger, 0, 0));
        Assert.Throws<TuneSharpException>(() => DatasetSplits.TrainValidationSplit(larger, 1, 0));
        Assert.Throws<TuneSharpException>(() => DatasetSplits.TrainValidationSplit(larger, double.NaN, 0));
    }

    [Fact]
    public void Imbalance_warning_at_ten_to_one()
    {
        var balanced = DatasetSplits.ClassCounts(Make(("A", 99), ("B", 10)));
        Assert.Null(DatasetSplits.ImbalanceWarning(balanced));

        var counts = DatasetSplits.ClassCounts(Make(("A", 100), ("B", 10), ("C", 50)));
        Assert.Equal([new ClassCount(0, "A", 100), new ClassCount(1, "B", 10), new ClassCount(2, "C", 50)], counts);
        var warning = DatasetSplits.ImbalanceWarning(counts);
        Assert.NotNull(warning);
        Assert.StartsWith("Classes are imbalanced: 'A' has 100 examples but 'B' only 10 (10x).", warning);

        var withEmptyClass = new TextClassificationDataset(Make(("A", 3)).Examples, new LabelMap(["A", "B"]));
        Assert.StartsWith("Class 'B' has no examples", DatasetSplits.ImbalanceWarning(DatasetSplits.ClassCounts(withEmptyClass)));
        Assert.Null(DatasetSplits.ImbalanceWarning(DatasetSplits.ClassCounts(Make(("A", 3)))));
    }
}
