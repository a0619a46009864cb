using TuneSharp.Data;

namespace TuneSharp.Tests.Data;

/// <summary>The real GLUE SST-2 files in ../shared: every row read, and read as a plain line split would read it.</summary>
public class Sst2Tests
{
    private static TextClassificationDataset Load(string path) =>
        TextClassificationData.Load(new TextClassificationDataOptions { Path = path, TextColumn = "sentence", LabelColumn = "label" });

    /// <summary>The file parsed independently: each line after the header is "sentence TAB label".</summary>
    private static List<(string Text, string Label)> SplitLines(string path) =>
        File.ReadLines(path).Skip(1).Select(line =>
        {
            var tab = line.LastIndexOf('\t');
            return (line[..tab], line[(tab + 1)..]);
        }).ToList();

    [SkippableFact]
    public void Dev_has_872_rows_matching_the_lines_of_the_file()
    {
        var path = SharedData.RequireData("sst2/dev.tsv");
        var dataset = Load(path);
        var expected = SplitLines(path);

        Assert.Equal(872, dataset.Count);
        Assert.Equal(expected.Count, dataset.Count);
        Assert.Equal(["0", "1"], dataset.Labels.Labels);
        var first = File.ReadLines(path).Skip(1).First();
        Assert.Equal(first[..first.LastIndexOf('\t')], dataset.Examples[0].Text);
        Assert.Equal("it 's a charming and often affecting journey . ", dataset.Examples[0].Text); // trailing space kept
        Assert.Equal(2, dataset.Examples[0].Line);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Text, dataset.Examples[i].Text);
            Assert.Equal(expected[i].Label, dataset.Examples[i].Label);
            Assert.Equal(i + 2, dataset.Examples[i].Line);
        }
        var counts = DatasetSplits.ClassCounts(dataset);
        Assert.Equal([428, 444], counts.Select(c => c.Count)); // README: 428 negative, 444 positive
        Assert.Null(DatasetSplits.ImbalanceWarning(counts));
    }

    [SkippableFact]
    public void Train_full_has_67349_rows_matching_the_lines_of_the_file()
    {
        var path = SharedData.RequireData("sst2/train_full.tsv");
        var dataset = Load(path);
        var expected = SplitLines(path);

        Assert.Equal(67_349, dataset.Count);
        Assert.Equal(expected.Count, dataset.Count);
        Assert.Equal(0, dataset.Skipped.Count);
        Assert.Equal(["0", "1"], dataset.Labels.Labels);
        Assert.True(expected.Select(e => e.Text).SequenceEqual(dataset.Examples.Select(e => e.Text)));
        Assert.True(expected.Select(e => e.Label).SequenceEqual(dataset.Examples.Select(e => e.Label)));
        Assert.Equal(67_350, dataset.Examples[^1].Line);
        Assert.Equal([29_780, 37_569], DatasetSplits.ClassCounts(dataset).Select(c => c.Count)); // README counts
    }

    [SkippableFact]
    public void Test_labeled_with_CRLF_line_ends_reads_without_carriage_returns()
    {
        var path = SharedData.RequireData("sst2/test-labeled.tsv");
        var dataset = Load(path);

        Assert.Equal(1_821, dataset.Count);
        Assert.Equal([917, 904], DatasetSplits.ClassCounts(dataset).Select(c => c.Count));
        Assert.DoesNotContain(dataset.Examples, e => e.Text.Contains('\r') || e.Label.Contains('\r'));
    }

    [SkippableFact]
    public void Dev_labels_are_validated_against_the_training_label_map()
    {
        var path = SharedData.RequireData("sst2/dev.tsv");
        var train = new LabelMap(["0", "1"]);
        var dataset = TextClassificationData.Load(new TextClassificationDataOptions
        {
            Path = path, TextColumn = "sentence", LabelColumn = "label", LabelMap = train,
        });
        Assert.Same(train, dataset.Labels);
        Assert.Equal(872, dataset.Count);
    }

    [SkippableFact]
    public void Stratified_split_of_dev_keeps_class_proportions()
    {
        var dataset = Load(SharedData.RequireData("sst2/dev.tsv"));
        var (train, validation) = DatasetSplits.TrainValidationSplit(dataset, 0.25, seed: 7);

        // 428 × 0.25 = 107 and 444 × 0.25 = 111 exactly.
        Assert.Equal([107, 111], DatasetSplits.ClassCounts(validation).Select(c => c.Count));
        Assert.Equal([321, 333], DatasetSplits.ClassCounts(train).Select(c => c.Count));
    }
}
