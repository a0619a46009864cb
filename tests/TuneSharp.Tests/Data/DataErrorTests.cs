using TuneSharp.Data;

namespace TuneSharp.Tests.Data;

/// <summary>Every kind of unusable input fails with a message naming the file, the line and the column, and what was expected.</summary>
public class DataErrorTests
{
    private static DataFormatException LoadFails(string path, string? textPair = null, LabelMap? labels = null) =>
        Assert.Throws<DataFormatException>(() => TextClassificationData.Load(new TextClassificationDataOptions
        {
            Path = path, TextPairColumn = textPair, LabelMap = labels,
        }));

    private static void AssertAt(DataFormatException error, string path, int? line, string? column)
    {
        Assert.Equal(path, error.FilePath);
        Assert.Equal(line, error.Line);
        Assert.Equal(column, error.Column);
        Assert.StartsWith($"Invalid dataset file '{path}'", error.Message);
        if (line is not null) Assert.Contains($"line {line}", error.Message);
        if (column is not null) Assert.Contains($"column '{column}'", error.Message);
    }

    [Fact]
    public void Missing_file_and_folder()
    {
        using var dir = new TempDir();
        var missing = dir.File("nope.csv");
        var error = LoadFails(missing);
        Assert.Equal($"Dataset file '{missing}' does not exist.", error.Message);
        Assert.Equal(missing, error.FilePath);

        var folder = Assert.Throws<DataFormatException>(() => TabularReader.Read(dir.Path));
        Assert.Contains("is a folder", folder.Message);
    }

    [Fact]
    public void Missing_column_lists_the_columns_that_exist()
    {
        using var dir = new TempDir();
        var path = dir.File("data.csv");
        File.WriteAllText(path, "sentence,label\nhi,1\n");

        var error = LoadFails(path);

        AssertAt(error, path, null, "text");
        Assert.Contains("there is no column 'text'. The columns are: 'sentence', 'label'.", error.Message);
        Assert.DoesNotContain("delimiter", error.Message);
    }

    [Fact]
    public void Tab_separated_file_named_csv_gets_a_wrong_delimiter_hint()
    {
        using var dir = new TempDir();
        var path = dir.File("data.csv");
        File.WriteAllText(path, "text\tlabel\nhi\t1\n");

        var error = LoadFails(path);

        AssertAt(error, path, null, "text");
        Assert.Contains("The columns are: 'text\tlabel'.", error.Message);
        Assert.Contains("Wrong delimiter? The header was read as a single column that contains a tab", error.Message);
        Assert.Contains("name it .tsv or set format to tsv", error.Message);
    }

    [Fact]
    public void Semicolon_separated_file_gets_a_wrong_delimiter_hint()
    {
        using var dir = new TempDir();
        var path = dir.File("data.csv");
        File.WriteAllText(path, "text;label\nhi;1\n");

        var error = LoadFails(path);

        Assert.Contains("contains a semicolon", error.Message);
        Assert.Contains("Wrong delimiter?", error.Message);
    }

    [Fact]
    public void Empty_and_whitespace_text()
    {
        using var dir = new TempDir();
        var empty = dir.File("empty.csv");
        File.WriteAllText(empty, "text,label\nfine,1\n,0\n");
        var error = LoadFails(empty);
        AssertAt(error, empty, 3, "text");
        Assert.EndsWith("the text is empty; expected non-empty text.", error.Message);

        var blank = dir.File("blank.tsv");
        File.WriteAllText(blank, "text\tlabel\nfine\t1\nok\t1\n  \t0\n");
        error = LoadFails(blank);
        AssertAt(error, blank, 4, "text");
        Assert.EndsWith("the text is whitespace only; expected non-empty text.", error.Message);

        var missing = dir.File("missing.jsonl");
        File.WriteAllText(missing, "{\"text\": \"a\", \"label\": 1}\n{\"label\": 1}\n");
        error = LoadFails(missing);
        AssertAt(error, missing, 2, "text");
        Assert.EndsWith("the text is missing; expected non-empty text.", error.Message);
    }

    [Fact]
    public void Empty_text_pair()
    {
        using var dir = new TempDir();
        var path = dir.File("pairs.jsonl");
        File.WriteAllText(path, "{\"text\": \"a\", \"pair\": \"b\", \"label\": 1}\n{\"text\": \"a\", \"pair\": \"\", \"label\": 1}\n");

        var error = LoadFails(path, textPair: "pair");

        AssertAt(error, path, 2, "pair");
        Assert.Contains("the text is empty", error.Message);
    }

    [Fact]
    public void Empty_label()
    {
        using var dir = new TempDir();
        var path = dir.File("data.csv");
        File.WriteAllText(path, "text,label\na,1\nb,\" \"\n");

        var error = LoadFails(path);

        AssertAt(error, path, 3, "label");
        Assert.EndsWith("the label is empty; expected a class name or an integer class id.", error.Message);
    }

    [Fact]
    public void Label_missing_from_a_fixed_label_map()
    {
        using var dir = new TempDir();
        var path = dir.File("dev.tsv");
        File.WriteAllText(path, "text\tlabel\na\tpos\nb\tneutral\n");

        var error = LoadFails(path, labels: new LabelMap(["neg", "pos"]));

        AssertAt(error, path, 3, "label");
        Assert.EndsWith("label 'neutral' was not seen in training (known labels: 'neg', 'pos').", error.Message);
    }

    [Fact]
    public void Invalid_utf8_in_csv_names_line_and_column()
    {
        using var dir = new TempDir();
        var path = dir.File("latin1.csv");
        File.WriteAllBytes(path, [.. "label,text\n1,fine\n0,caf"u8, 0xE9, .. "\n"u8]); // "café" in Latin-1

        var error = LoadFails(path);

        AssertAt(error, path, 3, "text");
        Assert.Contains("not valid UTF-8", error.Message);
        Assert.Contains("Re-encode the file as UTF-8", error.Message);
    }

    [Fact]
    public void Invalid_utf8_in_jsonl_and_json()
    {
        using var dir = new TempDir();
        var jsonl = dir.File("bad.jsonl");
        File.WriteAllBytes(jsonl, [.. "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"caf"u8, 0xE9, .. "\", \"label\": 1}\n"u8]);
        var error = LoadFails(jsonl);
        AssertAt(error, jsonl, 2, null);
        Assert.Contains("not valid UTF-8", error.Message);

        var json = dir.File("bad.json");
        File.WriteAllBytes(json, [.. "[{\"text\": \"a\", \"label\": 1},\n{\"text\": \"caf"u8, 0xE9, .. "\", \"label\": 1}]"u8]);
        error = LoadFails(json);
        AssertAt(error, json, 2, null);
        Assert.Contains("not valid UTF-8", error.Message);
    }

    [Fact]
    public void Unterminated_quote_names_the_line_where_it_opens()
    {
        using var dir = new TempDir();
        var path = dir.File("data.csv");
        File.WriteAllText(path, "text,label\nok,1\n\"never closed,0\nmore,1\nrows,0\n");

        // Not even Skip can continue: the rest of the file was read into the open field.
        var error = Assert.Throws<DataFormatException>(() => TextClassificationData.Load(new TextClassificationDataOptions
        {
            Path = path, OnBadRow = BadRowPolicy.Skip,
        }));

        AssertAt(error, path, 3, null);
        Assert.Contains("unterminated quote", error.Message);
        Assert.Contains("Expected a closing \"", error.Message);
    }

    [Fact]
    public void Wrong_field_count()
    {
        using var dir = new TempDir();
        var path = dir.File("data.csv");
        File.WriteAllText(path, "text,label\na,1\nb, c,1\n");

        var error = LoadFails(path);

        AssertAt(error, path, 3, null);
        Assert.EndsWith("expected 2 comma-separated fields as in the header, found 3.", error.Message);
    }

    [Fact]
    public void Malformed_json_line_and_non_object_rows()
    {
        using var dir = new TempDir();
        var path = dir.File("data.jsonl");
        File.WriteAllText(path, "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\", \"label\": \n");
        var error = LoadFails(path);
        AssertAt(error, path, 2, null);
        Assert.Contains("not valid JSON", error.Message);

        var array = dir.File("array.jsonl");
        File.WriteAllText(array, "{\"text\": \"a\", \"label\": 1}\n[\"b\", 1]\n");
        error = LoadFails(array);
        AssertAt(error, array, 2, null);
        Assert.EndsWith("expected a JSON object ({\"column\": value, ...}), found an array.", error.Message);

        var nested = dir.File("nested.jsonl");
        File.WriteAllText(nested, "{\"text\": \"a\", \"label\": 1}\n{\"text\": {\"x\": 1}, \"label\": 1}\n");
        error = LoadFails(nested);
        AssertAt(error, nested, 2, "text");
        Assert.EndsWith("expected a string, number or boolean, found an object.", error.Message);
    }

    [Fact]
    public void Json_syntax_error_and_wrong_top_level()
    {
        using var dir = new TempDir();
        var broken = dir.File("broken.json");
        File.WriteAllText(broken, "[\n{\"text\": \"a\", \"label\": 1},\n{\"text\": \"b\" \"label\": 1}\n]");
        var error = LoadFails(broken);
        AssertAt(error, broken, 3, null);
        Assert.Contains("the file is not valid JSON", error.Message);

        var unclosed = dir.File("unclosed.json");
        File.WriteAllText(unclosed, "[{\"text\": \"a\", \"label\": 1},\n{\"text\": \"b\",");
        error = LoadFails(unclosed);
        Assert.Contains("not valid JSON", error.Message);

        var jsonLines = dir.File("lines.json");
        File.WriteAllText(jsonLines, "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\", \"label\": 1}\n");
        error = LoadFails(jsonLines);
        AssertAt(error, jsonLines, 1, null);
        Assert.Contains("expected a JSON array of objects ('[' first)", error.Message);
        Assert.Contains("name the file .jsonl", error.Message);
    }

    [Fact]
    public void Empty_datasets()
    {
        using var dir = new TempDir();
        var cases = new Dictionary<string, string>
        {
            ["header-only.csv"] = "text,label\n",
            ["blank.jsonl"] = "\n\n",
            ["empty-array.json"] = "[]",
        };
        foreach (var (name, content) in cases)
        {
            var path = dir.File(name);
            File.WriteAllText(path, content);
            var error = LoadFails(path);
            Assert.Equal($"Invalid dataset file '{path}': it contains no data rows; expected at least one.", error.Message);
        }

        var empty = dir.File("empty.csv");
        File.WriteAllText(empty, "");
        Assert.Equal($"Invalid dataset file '{empty}': the file is empty; expected a header row naming the columns.", LoadFails(empty).Message);

        var emptyJson = dir.File("empty.json");
        File.WriteAllText(emptyJson, "");
        Assert.Contains("the file is empty; expected a JSON array of objects.", LoadFails(emptyJson).Message);
    }

    [Fact]
    public void Rows_over_the_size_limit_are_errors_not_allocations()
    {
        using var dir = new TempDir();
        var options = new DatasetReadOptions { MaxRowBytes = 1000 };
        var longText = new string('x', 100_000);

        var jsonl = dir.File("long.jsonl");
        File.WriteAllText(jsonl, $"{{\"text\": \"a\"}}\n{{\"text\": \"{longText}\"}}\n");
        var error = Assert.Throws<DataFormatException>(() => TabularReader.Read(jsonl, options));
        AssertAt(error, jsonl, 2, null);
        Assert.Contains("longer than the limit of 1000 bytes", error.Message);

        var csv = dir.File("long.csv");
        File.WriteAllText(csv, $"text,label\na,1\n\"{longText},1\n");
        error = Assert.Throws<DataFormatException>(() => TabularReader.Read(csv, options));
        Assert.Equal(csv, error.FilePath);
        Assert.Contains("longer than the limit of 1000 bytes", error.Message);

        var json = dir.File("long.json");
        File.WriteAllText(json, $"[{{\"text\": \"a\"}},\n{{\"text\": \"{longText}\"}}]");
        error = Assert.Throws<DataFormatException>(() => TabularReader.Read(json, options));
        AssertAt(error, json, 2, null);
        Assert.Contains("longer than the limit of 1000 bytes", error.Message);

        // Rows within the limit read normally with the same options.
        File.WriteAllText(jsonl, "{\"text\": \"a\"}\n");
        Assert.Single(TabularReader.Read(jsonl, options).Rows);
    }
}
