using TuneSharp.Data;

namespace TuneSharp.Tests.Data.CausalLm;

/// <summary>Bad causal-LM rows: errors name the file, the line (and a JSON array's row), the field and what was expected;
/// under the skip policy they are counted instead.</summary>
public class CausalLmDataErrorTests
{
    private static DataFormatException LoadFails(string path, string content)
    {
        File.WriteAllText(path, content);
        return Assert.Throws<DataFormatException>(() => CausalLmData.Load(new CausalLmDataOptions { Path = path }));
    }

    private const string Good = "{\"messages\": [{\"role\": \"user\", \"content\": \"U\"}, {\"role\": \"assistant\", \"content\": \"A\"}]}\n";

    [Theory]
    [InlineData("[{\"role\": \"tool\", \"content\": \"x\"}]", "messages[0].role", "role 'tool'")]
    [InlineData("[{\"role\": \"user\", \"content\": \"U\"}, {\"role\": \"system\", \"content\": \"S\"}]", "messages[1].role", "may only come first")]
    [InlineData("[{\"role\": \"user\"}]", "messages[0].content", "no 'content'")]
    [InlineData("[{\"role\": \"user\", \"content\": 5}]", "messages[0].content", "a 'content' that is a number")]
    [InlineData("[{\"content\": \"x\"}]", "messages[0].role", "no 'role'")]
    [InlineData("[\"hello\"]", "messages[0]", "message 0 is a string")]
    [InlineData("[]", "messages", "the list of messages is empty")]
    [InlineData("\"hello\"", "messages", "found a string")]
    [InlineData("null", "messages", "missing")]
    public void A_bad_chat_row_names_file_line_and_field(string messages, string field, string expected)
    {
        using var dir = new TempDir();
        var path = dir.File("chat.jsonl");

        var e = LoadFails(path, Good + "{\"messages\": " + messages + "}\n");

        Assert.Equal(path, e.FilePath);
        Assert.Equal(2, e.Line);
        Assert.Equal(field, e.Column);
        Assert.Contains($"'{path}', line 2, column '{field}'", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_bad_alpaca_row_of_a_json_array_names_its_row()
    {
        using var dir = new TempDir();
        var path = dir.File("alpaca.json");

        var e = LoadFails(path, "[{\"instruction\": \"a\", \"input\": \"\", \"output\": \"b\"}, {\"instruction\": \"c\", \"input\": \"\", \"output\": null}]");

        Assert.Equal("output", e.Column);
        Assert.Contains("line 1, column 'output': row 2 of the JSON array: the output is missing", e.Message);
    }

    [Fact]
    public void An_empty_instruction_or_text_is_named()
    {
        using var dir = new TempDir();
        var alpaca = LoadFails(dir.File("a.jsonl"), "{\"instruction\": \" \", \"output\": \"b\"}\n");
        var text = LoadFails(dir.File("t.jsonl"), "{\"text\": \"ok\"}\n{\"text\": null}\n");

        Assert.Equal("instruction", alpaca.Column);
        Assert.Contains("whitespace only", alpaca.Message);
        Assert.Equal((2, "text"), (text.Line, text.Column));
        Assert.Contains("the text is missing", text.Message);
    }

    [Fact]
    public void Unknown_columns_say_what_was_expected()
    {
        using var dir = new TempDir();
        var e = LoadFails(dir.File("x.jsonl"), "{\"prompt\": \"a\", \"completion\": \"b\"}\n");

        Assert.Contains("'prompt', 'completion'", e.Message);
        Assert.Contains("'messages'", e.Message);
        Assert.Contains("'instruction' and 'output'", e.Message);
        Assert.Contains("'text'", e.Message);
    }

    [Fact]
    public void Chat_rows_in_csv_are_refused()
    {
        using var dir = new TempDir();
        var path = dir.File("chat.csv");
        File.WriteAllText(path, "messages\nhello\n");

        var e = Assert.Throws<DataFormatException>(() => CausalLmData.Load(new CausalLmDataOptions { Path = path }));

        Assert.Contains("nested values", e.Message);
    }

    [Fact]
    public void An_unknown_extension_lists_txt_among_the_formats()
    {
        using var dir = new TempDir();
        var path = dir.File("data.md");
        File.WriteAllText(path, "hello\n");

        var e = Assert.Throws<DataFormatException>(() => CausalLmData.Load(new CausalLmDataOptions { Path = path }));

        Assert.Contains(".txt", e.Message);
    }

    [Fact]
    public void Skip_policy_counts_bad_rows_and_keeps_the_row_numbers_of_the_rest()
    {
        using var dir = new TempDir();
        var path = dir.File("chat.json");
        File.WriteAllText(path, "[\n" +
            "{\"messages\": [{\"role\": \"user\", \"content\": \"U\"}, {\"role\": \"assistant\", \"content\": \"A\"}]},\n" +
            "{\"messages\": [{\"role\": \"tool\", \"content\": \"T\"}]},\n" +
            "{\"messages\": [{\"role\": \"user\", \"content\": \"V\"}, {\"role\": \"assistant\", \"content\": \"B\"}]}\n]");

        var data = CausalLmData.Load(new CausalLmDataOptions { Path = path, OnBadRow = BadRowPolicy.Skip });

        Assert.Equal(2, data.Count);
        Assert.Equal(1, data.Skipped.Count);
        Assert.Equal(1, data.Skipped.ByReason["unsupported role"]);
        Assert.Equal(3, data.Skipped.Examples[0].Line);
        Assert.Equal([1, 3], data.Locations.Select(l => l.Row));
        Assert.Equal([2, 4], data.Locations.Select(l => l.Line));
    }

    [Fact]
    public void A_file_whose_every_row_is_bad_is_an_error_even_when_skipping()
    {
        using var dir = new TempDir();
        var path = dir.File("chat.jsonl");
        File.WriteAllText(path, "{\"messages\": []}\n");

        var e = Assert.Throws<DataFormatException>(() => CausalLmData.Load(new CausalLmDataOptions { Path = path, OnBadRow = BadRowPolicy.Skip }));

        Assert.Contains("no usable rows", e.Message);
    }

    [Fact]
    public void Missing_files_and_folders_are_named()
    {
        using var dir = new TempDir();

        Assert.Contains("does not exist", Assert.Throws<DataFormatException>(() => CausalLmData.Load(new CausalLmDataOptions { Path = dir.File("none.txt") })).Message);
        Assert.Contains("is a folder", Assert.Throws<DataFormatException>(() => CausalLmData.Load(new CausalLmDataOptions { Path = dir.Path })).Message);
    }
}
