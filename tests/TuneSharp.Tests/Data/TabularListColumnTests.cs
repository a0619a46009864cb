using Parquet;
using Parquet.Schema;
using TuneSharp.Data;

namespace TuneSharp.Tests.Data;

/// <summary>Columns read as lists (<see cref="DatasetReadOptions.ListColumns"/>) beside ordinary text columns.</summary>
public class TabularListColumnTests
{
    [Fact]
    public void Jsonl_list_columns_give_strings_integers_empty_and_absent_lists()
    {
        using var dir = new TempDir();
        var path = dir.File("lists.jsonl");
        File.WriteAllText(path,
            "{\"id\": 7, \"words\": [\"a\", \"b\"]}\n" +
            "{\"id\": 8, \"words\": [1, -2, 30000000000]}\n" +
            "{\"id\": 9, \"words\": []}\n" +
            "{\"id\": 10, \"words\": null}\n" +
            "{\"id\": 11}\n");

        var data = TabularReader.Read(path, new DatasetReadOptions { Columns = ["id", "words"], ListColumns = ["words"] });

        var rows = data.Rows;
        Assert.Equal(["7", "8", "9", "10", "11"], rows.Select(r => r["id"]));
        Assert.Equal(["a", "b"], rows[0].GetList("words")!.Strings);
        Assert.Null(rows[0].GetList("words")!.Integers);
        Assert.Equal([1L, -2L, 30_000_000_000L], rows[1].GetList("words")!.Integers);
        Assert.Null(rows[1].GetList("words")!.Strings);
        Assert.Equal(0, rows[2].GetList("words")!.Count);
        Assert.Empty(rows[2].GetList("words")!.Strings!);
        Assert.Null(rows[3].GetList("words"));
        Assert.Null(rows[4].GetList("words"));
        Assert.All(rows, r => Assert.Null(r["words"])); // a list column has no text value
        Assert.Throws<InvalidOperationException>(() => rows[0].GetList("id"));
        Assert.Throws<KeyNotFoundException>(() => rows[0].GetList("nope"));
    }

    [Fact]
    public void Without_list_columns_an_array_is_still_a_bad_value()
    {
        using var dir = new TempDir();
        var path = dir.File("lists.jsonl");
        File.WriteAllText(path, "{\"words\": [\"a\"]}\n");

        var error = Assert.Throws<DataFormatException>(() => TabularReader.Read(path));

        Assert.Equal($"Invalid dataset file '{path}', line 1, column 'words': expected a string, number or boolean, found an array.", error.Message);
    }

    [Fact]
    public void List_values_that_are_not_lists_of_strings_or_integers_are_bad_rows_naming_line_and_column()
    {
        using var dir = new TempDir();
        var path = dir.File("lists.json");
        File.WriteAllText(path, "[\n{\"words\": [\"a\"]},\n{\"words\": 5},\n{\"words\": [\"b\", null]}\n]");
        var options = new DatasetReadOptions { ListColumns = ["words"] };

        var error = Assert.Throws<DataFormatException>(() => TabularReader.Read(path, options));
        Assert.Equal($"Invalid dataset file '{path}', line 3, column 'words': expected a list of strings or integers, found a number.", error.Message);

        var skipped = TabularReader.Read(path, options with { OnBadRow = BadRowPolicy.Skip });
        Assert.Single(skipped.Rows);
        Assert.Equal([3, 4], skipped.Skipped.Examples.Select(e => e.Line));
        Assert.Contains("item 2 of the list is null but item 1 is a string", skipped.Skipped.Examples[1].Message);
    }

    [Fact]
    public void Csv_has_no_list_cells_and_list_columns_must_be_read()
    {
        using var dir = new TempDir();
        var csv = dir.File("data.csv");
        File.WriteAllText(csv, "words\na\n");
        var error = Assert.Throws<DataFormatException>(() => TabularReader.Read(csv, new DatasetReadOptions { ListColumns = ["words"] }));
        Assert.StartsWith($"Invalid dataset file '{csv}', column 'words': the column must hold a list, but CSV files have no list cells", error.Message);

        var jsonl = dir.File("data.jsonl");
        File.WriteAllText(jsonl, "{\"a\": 1, \"words\": [1]}\n");
        Assert.Throws<ArgumentException>(() => TabularReader.Read(jsonl, new DatasetReadOptions { Columns = ["a"], ListColumns = ["words"] }));
    }

    [Fact]
    public async Task Parquet_list_field_and_repeated_column_read_as_lists_across_row_groups()
    {
        using var dir = new TempDir();
        var path = dir.File("lists.parquet");
        var words = new DataField<string>("element");
        var schema = new ParquetSchema(new ListField("words", words), new DataField<long[]>("ids"), new DataField<string>("text"));
        await using (var file = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(schema, file))
        {
            using (var group = writer.CreateRowGroup())
            {
                await group.WriteAsync(words, ["a", "b", "c"], new ReadOnlyMemory<int>([0, 1, 0])); // [a, b], [c]
                await group.WriteAsync<long>(schema.DataFields[1], new long[] { 5, 6, 7 }, new ReadOnlyMemory<int>([0, 0, 1])); // [5], [6, 7]
                await group.WriteAsync(schema.DataFields[2], ["first", "second"]);
            }
            using (var group = writer.CreateRowGroup())
            {
                await group.WriteAsync(words, ["d"], new ReadOnlyMemory<int>([0]));
                await group.WriteAsync<long>(schema.DataFields[1], new long[] { -1 }, new ReadOnlyMemory<int>([0]));
                await group.WriteAsync(schema.DataFields[2], ["third"]);
            }
        }

        var data = TabularReader.Read(path, new DatasetReadOptions { ListColumns = ["words", "ids"] });

        Assert.Equal(["words", "ids", "text"], data.Columns);
        Assert.Equal([["a", "b"], ["c"], ["d"]], data.Rows.Select(r => r.GetList("words")!.Strings));
        Assert.Equal([[5L], [6L, 7L], [-1L]], data.Rows.Select(r => r.GetList("ids")!.Integers));
        Assert.Equal(["first", "second", "third"], data.Rows.Select(r => r["text"]));
        Assert.Equal([1, 2, 3], data.Rows.Select(r => r.Line));

        // Asked for as text, a list column is still refused as nested.
        var error = Assert.Throws<DataFormatException>(() => TabularReader.Read(path));
        Assert.Contains("column 'words': the column is nested", error.Message);
    }
}
