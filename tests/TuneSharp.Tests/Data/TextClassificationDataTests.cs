using TuneSharp.Data;

namespace TuneSharp.Tests.Data;

public class TextClassificationDataTests
{
    [Fact]
    public void Sentence_pairs_from_jsonl()
    {
        using var dir = new TempDir();
        var path = dir.File("nli.jsonl");
        File.WriteAllText(path,
            "{\"premise\": \"A man plays.\", \"hypothesis\": \"Someone plays.\", \"label\": \"entailment\"}\n" +
            "{\"premise\": \"A dog runs.\", \"hypothesis\": \"A cat sleeps.\", \"label\": \"contradiction\"}\n");

        var dataset = TextClassificationData.Load(new TextClassificationDataOptions
        {
            Path = path, TextColumn = "premise", TextPairColumn = "hypothesis",
        });

        Assert.True(dataset.HasTextPairs);
        Assert.Equal(new TextClassificationExample("A man plays.", "Someone plays.", "entailment", 1), dataset.Examples[0]);
        Assert.Equal(new TextClassificationExample("A dog runs.", "A cat sleeps.", "contradiction", 2), dataset.Examples[1]);
        Assert.Equal(["contradiction", "entailment"], dataset.Labels.Labels);
        Assert.Equal(1, dataset.LabelId(dataset.Examples[0]));
    }

    [Fact]
    public void Integer_labels_as_json_numbers_or_strings_are_the_same_labels_in_numeric_order()
    {
        using var dir = new TempDir();
        var path = dir.File("data.jsonl");
        File.WriteAllText(path,
            "{\"text\": \"a\", \"label\": 10}\n{\"text\": \"b\", \"label\": \"2\"}\n{\"text\": \"c\", \"label\": 0}\n" +
            "{\"text\": \"d\", \"label\": \" 1 \"}\n{\"text\": \"e\", \"label\": 2}\n");

        var dataset = TextClassificationData.Load(new TextClassificationDataOptions { Path = path });

        Assert.False(dataset.HasTextPairs);
        Assert.Equal(["10", "2", "0", "1", "2"], dataset.Examples.Select(e => e.Label)); // labels are trimmed
        Assert.Equal(["0", "1", "2", "10"], dataset.Labels.Labels);
        Assert.Equal([3, 2, 0, 1, 2], dataset.Examples.Select(dataset.LabelId));
    }

    [Fact]
    public void String_labels_are_ordered_ordinally()
    {
        using var dir = new TempDir();
        var path = dir.File("data.csv");
        File.WriteAllText(path, "text,label\na,pos\nb,neg\nc,Neutral\nd,pos\n");

        var dataset = TextClassificationData.Load(new TextClassificationDataOptions { Path = path });

        Assert.Equal(["Neutral", "neg", "pos"], dataset.Labels.Labels);
        Assert.Equal(4, dataset.Count);
    }

    [Fact]
    public void Skip_leaves_bad_rows_out_and_counts_them_by_reason()
    {
        using var dir = new TempDir();
        var path = dir.File("data.tsv");
        File.WriteAllBytes(path, [.. "text\tlabel\ngood one\tpos\n\tneg\n   \tpos\nno label\t\nunknown\tneutral\ntoo\tmany\tfields\ncaf"u8,
            0xE9, .. "\tpos\ngood two\tneg\n"u8]);

        var dataset = TextClassificationData.Load(new TextClassificationDataOptions
        {
            Path = path, OnBadRow = BadRowPolicy.Skip, LabelMap = new LabelMap(["neg", "pos"]),
        });

        Assert.Equal(["good one", "good two"], dataset.Examples.Select(e => e.Text));
        Assert.Equal([2, 9], dataset.Examples.Select(e => e.Line));
        var skipped = dataset.Skipped;
        Assert.Equal(6, skipped.Count);
        Assert.Equal(2, skipped.ByReason["empty text"]);
        Assert.Equal(1, skipped.ByReason["empty label"]);
        Assert.Equal(1, skipped.ByReason["unknown label"]);
        Assert.Equal(1, skipped.ByReason["wrong field count"]);
        Assert.Equal(1, skipped.ByReason["invalid UTF-8"]);
        Assert.Equal([3, 4, 5, 6, 7, 8], skipped.Examples.Select(s => s.Line));
        Assert.Equal(["text", "text", "label", "label", null, "text"], skipped.Examples.Select(s => s.Column));
        Assert.Equal("label 'neutral' was not seen in training (known labels: 'neg', 'pos').", skipped.Examples[3].Message);
        Assert.Equal("6 rows skipped: 2 empty text, 1 empty label, 1 invalid UTF-8, 1 unknown label, 1 wrong field count (lines 3, 4, 5, 6, 7, …)", skipped.ToString());
    }

    [Fact]
    public void Skip_keeps_only_the_first_few_examples_but_counts_all()
    {
        using var dir = new TempDir();
        var path = dir.File("data.jsonl");
        var lines = Enumerable.Range(0, 50).Select(i => i % 2 == 0 ? "{\"text\": \"ok\", \"label\": 1}" : "{\"text\": \"\", \"label\": 1}");
        File.WriteAllLines(path, lines);

        var dataset = TextClassificationData.Load(new TextClassificationDataOptions { Path = path, OnBadRow = BadRowPolicy.Skip });

        Assert.Equal(25, dataset.Count);
        Assert.Equal(25, dataset.Skipped.Count);
        Assert.Equal(SkippedRows.MaxExamples, dataset.Skipped.Examples.Count);
        Assert.Equal(Enumerable.Range(0, SkippedRows.MaxExamples).Select(i => 2 * i + 2), dataset.Skipped.Examples.Select(s => s.Line));
    }

    [Fact]
    public void Skip_of_every_row_is_still_an_error()
    {
        using var dir = new TempDir();
        var path = dir.File("data.csv");
        File.WriteAllText(path, "text,label\n,1\n,0\n");

        var error = Assert.Throws<DataFormatException>(() => TextClassificationData.Load(new TextClassificationDataOptions
        {
            Path = path, OnBadRow = BadRowPolicy.Skip,
        }));

        Assert.Equal($"Invalid dataset file '{path}': it has no usable rows: every row was skipped (2 rows skipped: 2 empty text (lines 2, 3)). " +
                     "First: line 2: the text is empty; expected non-empty text.", error.Message);
    }

    [Fact]
    public void Column_options_are_checked()
    {
        Assert.Throws<TuneSharpException>(() => TextClassificationData.Load(new TextClassificationDataOptions { Path = "x.csv", TextColumn = " " }));
        var same = Assert.Throws<TuneSharpException>(() => TextClassificationData.Load(new TextClassificationDataOptions { Path = "x.csv", LabelColumn = "text" }));
        Assert.Contains("must be different", same.Message);
    }
}
