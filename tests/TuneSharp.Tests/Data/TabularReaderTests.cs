using System.Text;
using Parquet;
using Parquet.Schema;
using TuneSharp.Data;

namespace TuneSharp.Tests.Data;

public class TabularReaderTests
{
    [Fact]
    public void Csv_quoted_fields_keep_commas_quotes_and_line_breaks()
    {
        using var dir = new TempDir();
        var path = dir.File("data.csv");
        File.WriteAllText(path,
            "id,text,label\n" +
            "1,\"hello, world\",pos\n" +
            "2,\"she said \"\"hi\"\"\",neg\n" +
            "3,\"line one\nline two\",pos\n" +
            "\n" +
            "4,plain,neg\n");

        var data = TabularReader.Read(path);

        Assert.Equal(DatasetFormat.Csv, data.Format);
        Assert.Equal(["id", "text", "label"], data.Columns);
        Assert.Equal(["hello, world", "she said \"hi\"", "line one\nline two", "plain"], data.Rows.Select(r => r["text"]));
        Assert.Equal(["pos", "neg", "pos", "neg"], data.Rows.Select(r => r["label"]));
        // Row 3 spans lines 4-5 and a blank line follows, so row 4 is on line 7.
        Assert.Equal([2, 3, 4, 7], data.Rows.Select(r => r.Line));
    }

    [Fact]
    public void Csv_with_byte_order_mark_and_CRLF_reads_clean_values()
    {
        using var dir = new TempDir();
        var path = dir.File("bom.csv");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. "text,label\r\nfirst,a\r\nsecond,b\r\n"u8]);

        var data = TabularReader.Read(path, new DatasetReadOptions { Columns = ["label", "text"] });

        Assert.Equal(["label", "text"], data.Columns);
        Assert.Equal(["a", "first"], data.Rows[0].Values);
        Assert.Equal(["b", "second"], data.Rows[1].Values);
    }

    [Fact]
    public void Tsv_treats_quotes_as_ordinary_characters()
    {
        using var dir = new TempDir();
        var path = dir.File("data.tsv");
        // With CSV quoting, the opening quote of row 1 would swallow the following rows.
        File.WriteAllText(path, "sentence\tlabel\n\"quoted start\t1\nsay \"hi\t0\n\"\"\t1\n");

        var data = TabularReader.Read(path);

        Assert.Equal(DatasetFormat.Tsv, data.Format);
        Assert.Equal(["\"quoted start", "say \"hi", "\"\""], data.Rows.Select(r => r["sentence"]));
        Assert.Equal(["1", "0", "1"], data.Rows.Select(r => r["label"]));
        Assert.Equal([2, 3, 4], data.Rows.Select(r => r.Line));
    }

    [Fact]
    public void Jsonl_converts_strings_numbers_and_booleans_to_text()
    {
        using var dir = new TempDir();
        var path = dir.File("data.jsonl");
        File.WriteAllText(path,
            "{\"text\": \"a\", \"label\": 1, \"score\": 0.50}\n" +
            "\n" +
            "{\"text\": \"b\\u00e9\", \"label\": \"x\", \"extra\": [1, 2]}\r\n" +
            "{\"label\": true, \"text\": \"c\", \"score\": null}");

        var data = TabularReader.Read(path);

        Assert.Equal(DatasetFormat.Jsonl, data.Format);
        Assert.Equal(["text", "label", "score"], data.Columns); // the keys of the first object
        Assert.Equal(["a", "1", "0.50"], data.Rows[0].Values);
        Assert.Equal(["bé", "x", null], data.Rows[1].Values); // missing key: null; unread "extra" is ignored
        Assert.Equal(["c", "true", null], data.Rows[2].Values);
        Assert.Equal([1, 3, 4], data.Rows.Select(r => r.Line));
    }

    [Fact]
    public void Json_array_gives_each_object_the_line_it_starts_on()
    {
        using var dir = new TempDir();
        var path = dir.File("data.json");
        File.WriteAllText(path, "[\n  {\"text\": \"a\", \"label\": 0},\n  {\n    \"text\": \"b\",\n    \"label\": 1\n  },\n  {\"text\": \"c\", \"label\": 2}\n]\n");

        var data = TabularReader.Read(path);

        Assert.Equal(DatasetFormat.Json, data.Format);
        Assert.Equal(["a", "b", "c"], data.Rows.Select(r => r["text"]));
        Assert.Equal(["0", "1", "2"], data.Rows.Select(r => r["label"]));
        Assert.Equal([2, 3, 7], data.Rows.Select(r => r.Line));
    }

    [Fact]
    public void Json_array_larger_than_the_read_buffer_is_read_across_refills()
    {
        using var dir = new TempDir();
        var path = dir.File("big.json");
        var builder = new StringBuilder("[\n");
        for (var i = 0; i < 3000; i++)
            builder.Append($"{{\"text\": \"example number {i} {new string('x', i % 97)}\", \"label\": {i % 3}}}{(i < 2999 ? "," : "")}\n");
        builder.Append("]\n");
        File.WriteAllText(path, builder.ToString());
        Assert.True(new FileInfo(path).Length > 3 * 64 * 1024);

        var data = TabularReader.Read(path);

        Assert.Equal(3000, data.Rows.Count);
        for (var i = 0; i < 3000; i++)
        {
            Assert.Equal($"example number {i} {new string('x', i % 97)}", data.Rows[i]["text"]);
            Assert.Equal((i % 3).ToString(), data.Rows[i]["label"]);
            Assert.Equal(i + 2, data.Rows[i].Line);
        }
    }

    [Fact]
    public async Task Parquet_string_int_long_and_bool_columns_across_row_groups()
    {
        using var dir = new TempDir();
        var path = dir.File("data.parquet");
        var schema = new ParquetSchema(
            new DataField<string>("text"), new DataField<int>("label"), new DataField<long?>("id"), new DataField<bool>("flag"));
        await using (var file = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(schema, file))
        {
            using (var group = writer.CreateRowGroup())
            {
                await group.WriteAsync(schema.DataFields[0], new[] { "first", "second" });
                await group.WriteAsync<int>(schema.DataFields[1], new[] { 1, 0 });
                await group.WriteAsync<long>(schema.DataFields[2], new long?[] { 10_000_000_000, null });
                await group.WriteAsync<bool>(schema.DataFields[3], new[] { true, false });
            }
            using (var group = writer.CreateRowGroup())
            {
                await group.WriteAsync(schema.DataFields[0], new[] { "third" });
                await group.WriteAsync<int>(schema.DataFields[1], new[] { 2 });
                await group.WriteAsync<long>(schema.DataFields[2], new long?[] { -3 });
                await group.WriteAsync<bool>(schema.DataFields[3], new[] { true });
            }
        }

        var data = TabularReader.Read(path);

        Assert.Equal(DatasetFormat.Parquet, data.Format);
        Assert.Equal(["text", "label", "id", "flag"], data.Columns);
        Assert.Equal(["first", "1", "10000000000", "true"], data.Rows[0].Values);
        Assert.Equal(["second", "0", null, "false"], data.Rows[1].Values);
        Assert.Equal(["third", "2", "-3", "true"], data.Rows[2].Values);
        Assert.Equal([1, 2, 3], data.Rows.Select(r => r.Line)); // row numbers run on across row groups

        var dataset = TextClassificationData.Load(new TextClassificationDataOptions { Path = path });
        Assert.Equal(["0", "1", "2"], dataset.Labels.Labels);
        Assert.Equal(["first", "second", "third"], dataset.Examples.Select(e => e.Text));
    }

    [Fact]
    public void Format_comes_from_the_extension_unless_overridden()
    {
        Assert.Equal(DatasetFormat.Csv, DatasetFormats.FromExtension("a/b.CSV"));
        Assert.Equal(DatasetFormat.Tsv, DatasetFormats.FromExtension("b.tsv"));
        Assert.Equal(DatasetFormat.Jsonl, DatasetFormats.FromExtension("b.jsonl"));
        Assert.Equal(DatasetFormat.Json, DatasetFormats.FromExtension("b.json"));
        Assert.Equal(DatasetFormat.Parquet, DatasetFormats.FromExtension("b.parquet"));
        Assert.Null(DatasetFormats.FromExtension("b.txt"));
        Assert.Equal(DatasetFormat.Tsv, DatasetFormats.Resolve("b.txt", DatasetFormat.Tsv));

        using var dir = new TempDir();
        var path = dir.File("data.txt");
        File.WriteAllText(path, "text\tlabel\nhi\t1\n");
        var error = Assert.Throws<DataFormatException>(() => TabularReader.Read(path));
        Assert.Contains($"'{path}'", error.Message);
        Assert.Contains("'.txt'", error.Message);
        Assert.Contains(".csv, .tsv, .jsonl, .json or .parquet", error.Message);

        var data = TabularReader.Read(path, new DatasetReadOptions { Format = DatasetFormat.Tsv });
        Assert.Equal(["hi", "1"], data.Rows[0].Values);
    }

    [Fact]
    public void Rows_can_be_streamed_once()
    {
        using var dir = new TempDir();
        var path = dir.File("data.csv");
        File.WriteAllText(path, "text,label\na,1\nb,2\n");

        using var stream = TabularReader.Open(path, new DatasetReadOptions { Columns = ["text"] });
        Assert.Equal(["text"], stream.Columns);
        Assert.Equal(["a", "b"], stream.Rows.Select(r => r.Values[0]));
        Assert.Throws<InvalidOperationException>(() => stream.Rows);
        Assert.Throws<KeyNotFoundException>(() => TabularReader.Read(path, new DatasetReadOptions { Columns = ["text"] }).Rows[0]["label"]);
    }
}
