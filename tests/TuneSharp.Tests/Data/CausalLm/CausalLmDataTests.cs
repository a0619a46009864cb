using TuneSharp.Data;
using TuneSharp.Tokenization.ChatTemplates;

namespace TuneSharp.Tests.Data.CausalLm;

/// <summary>Every row format of <see cref="CausalLmData.Load"/> on small hand-made files.</summary>
public class CausalLmDataTests
{
    private static CausalLmDataset Load(string path, CausalLmDataOptions? options = null) =>
        CausalLmData.Load((options ?? new CausalLmDataOptions { Path = path }) with { Path = path });

    [Fact]
    public void Plain_text_gives_one_document_per_non_blank_line()
    {
        using var dir = new TempDir();
        var path = dir.File("corpus.txt");
        File.WriteAllText(path, "Once upon a time.\n\n   \nThe end.\r\nAgain\n");

        var data = Load(path);

        Assert.Equal(CausalLmDataFormat.PlainText, data.Format);
        Assert.False(data.IsConversational);
        Assert.Equal(["Once upon a time.", "The end.", "Again"], data.Documents);
        Assert.Equal([1, 4, 5], data.Locations.Select(l => l.Line));
        Assert.Equal($"'{path}', line 4", data.DescribeRow(1));
    }

    [Fact]
    public void Text_rows_read_the_text_column_and_a_renamed_one()
    {
        using var dir = new TempDir();
        var path = dir.File("docs.jsonl");
        File.WriteAllText(path, "{\"text\": \"first\", \"id\": 1}\n\n{\"text\": \"second\", \"id\": 2}\n");
        var renamed = dir.File("body.json");
        File.WriteAllText(renamed, "[{\"body\": \"a\"}, {\"body\": \"b\"}]");

        var data = Load(path);
        var other = Load(renamed, new CausalLmDataOptions { Path = "", TextColumn = "body" });

        Assert.Equal(CausalLmDataFormat.Text, data.Format);
        Assert.Equal(["first", "second"], data.Documents);
        Assert.Equal([1, 3], data.Locations.Select(l => l.Line));
        Assert.Equal(["a", "b"], other.Documents);
        Assert.Equal([1, 2], other.Locations.Select(l => l.Row));
        Assert.Equal($"'{renamed}', row 2 (line 1)", other.DescribeRow(1));
    }

    [Fact]
    public void Csv_text_rows_are_documents()
    {
        using var dir = new TempDir();
        var path = dir.File("docs.csv");
        File.WriteAllText(path, "text,source\n\"Hello, world\",x\nBye,y\n");

        Assert.Equal(["Hello, world", "Bye"], Load(path).Documents);
    }

    [Fact]
    public void Alpaca_rows_become_user_and_assistant_turns_with_the_input_after_a_blank_line()
    {
        using var dir = new TempDir();
        var path = dir.File("alpaca.json");
        File.WriteAllText(path, """
            [{"instruction": "Add the numbers.", "input": "2 and 3", "output": "5"},
             {"instruction": "Say hi.", "input": "", "output": "Hi!"},
             {"instruction": "Name a colour.", "output": "Blue"}]
            """);

        var data = Load(path);

        Assert.Equal(CausalLmDataFormat.Alpaca, data.Format);
        Assert.True(data.IsConversational);
        Assert.Equal([new ChatMessage("user", "Add the numbers.\n\n2 and 3"), new ChatMessage("assistant", "5")], data.Conversations![0]);
        Assert.Equal([new ChatMessage("user", "Say hi."), new ChatMessage("assistant", "Hi!")], data.Conversations[1]);
        Assert.Equal([new ChatMessage("user", "Name a colour."), new ChatMessage("assistant", "Blue")], data.Conversations[2]);
    }

    [Fact]
    public void Alpaca_rows_with_a_system_field_start_with_a_system_turn()
    {
        using var dir = new TempDir();
        var path = dir.File("alpaca.jsonl");
        File.WriteAllText(path, "{\"system\": \"Be brief.\", \"instruction\": \"Hi\", \"input\": \"\", \"output\": \"Hello\"}\n" +
                                "{\"system\": \"\", \"instruction\": \"Yo\", \"input\": \"\", \"output\": \"Hey\"}\n");

        var data = Load(path);

        Assert.Equal([new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi"), new ChatMessage("assistant", "Hello")], data.Conversations![0]);
        Assert.Equal([new ChatMessage("user", "Yo"), new ChatMessage("assistant", "Hey")], data.Conversations[1]);
    }

    [Fact]
    public void Chat_rows_keep_their_messages_and_ignore_other_fields()
    {
        using var dir = new TempDir();
        var path = dir.File("chat.jsonl");
        File.WriteAllText(path,
            "{\"id\": 7, \"messages\": [{\"role\": \"system\", \"content\": \"S\"}, {\"role\": \"user\", \"content\": \"U\"}, {\"role\": \"assistant\", \"content\": \"A\", \"extra\": 1}]}\n" +
            "{\"id\": 8, \"messages\": [{\"role\": \"user\", \"content\": \"U1\"}, {\"role\": \"assistant\", \"content\": \"A1\"}, {\"role\": \"user\", \"content\": \"U2\"}, {\"role\": \"assistant\", \"content\": \"\"}]}\n");

        var data = Load(path);

        Assert.Equal(CausalLmDataFormat.Chat, data.Format);
        Assert.Equal([new ChatMessage("system", "S"), new ChatMessage("user", "U"), new ChatMessage("assistant", "A")], data.Conversations![0]);
        Assert.Equal(4, data.Conversations[1].Count);
        Assert.Equal("", data.Conversations[1][3].Content);
    }

    [Fact]
    public void A_renamed_messages_column_and_an_explicit_format_are_used()
    {
        using var dir = new TempDir();
        var path = dir.File("chat.data");
        File.WriteAllText(path, "{\"conversation\": [{\"role\": \"user\", \"content\": \"U\"}, {\"role\": \"assistant\", \"content\": \"A\"}], \"text\": \"ignored\"}\n");

        var data = CausalLmData.Load(new CausalLmDataOptions { Path = path, FileFormat = DatasetFormat.Jsonl, MessagesColumn = "conversation" });
        var asText = CausalLmData.Load(new CausalLmDataOptions { Path = path, FileFormat = DatasetFormat.Jsonl, Format = CausalLmDataFormat.Text });
        var asPlain = CausalLmData.Load(new CausalLmDataOptions { Path = path, Format = CausalLmDataFormat.PlainText });

        Assert.Equal(CausalLmDataFormat.Chat, data.Format);
        Assert.Equal("A", data.Conversations![0][1].Content);
        Assert.Equal(["ignored"], asText.Documents);
        Assert.StartsWith("{\"conversation\"", Assert.Single(asPlain.Documents!));
    }

    [Fact]
    public void Max_samples_keeps_the_first_usable_rows()
    {
        using var dir = new TempDir();
        var path = dir.File("docs.jsonl");
        File.WriteAllLines(path, ["{\"text\": \"a\"}", "{\"text\": \"\"}", "{\"text\": \"b\"}", "{\"text\": \"c\"}"]);
        var txt = dir.File("docs.txt");
        File.WriteAllLines(txt, ["a", "b", "c"]);

        var data = CausalLmData.Load(new CausalLmDataOptions { Path = path, MaxSamples = 2, OnBadRow = BadRowPolicy.Skip });

        Assert.Equal(["a", "b"], data.Documents);
        Assert.Equal(1, data.Skipped.Count);
        Assert.Equal(["a", "b"], CausalLmData.Load(new CausalLmDataOptions { Path = txt, MaxSamples = 2 }).Documents);
        Assert.Throws<TuneSharpException>(() => CausalLmData.Load(new CausalLmDataOptions { Path = txt, MaxSamples = 0 }));
    }

    [Fact]
    public void Tsv_alpaca_rows_without_an_input_column_are_read()
    {
        using var dir = new TempDir();
        var path = dir.File("alpaca.tsv");
        File.WriteAllText(path, "instruction\toutput\nSay hi.\tHi!\n");

        var data = Load(path);

        Assert.Equal(CausalLmDataFormat.Alpaca, data.Format);
        Assert.Equal([new ChatMessage("user", "Say hi."), new ChatMessage("assistant", "Hi!")], Assert.Single(data.Conversations!));
    }

    [Fact]
    public void Skipped_text_rows_are_counted_by_reason()
    {
        using var dir = new TempDir();
        var path = dir.File("docs.jsonl");
        File.WriteAllLines(path, ["{\"text\": \"a\"}", "{\"text\": \" \"}", "not json", "{\"text\": [1]}", "{\"text\": \"b\"}"]);

        var data = CausalLmData.Load(new CausalLmDataOptions { Path = path, OnBadRow = BadRowPolicy.Skip });

        Assert.Equal(["a", "b"], data.Documents);
        Assert.Equal(3, data.Skipped.Count);
        Assert.Equal([2, 3, 4], data.Skipped.Examples.Select(r => r.Line));
        Assert.Equal([1, 5], data.Locations.Select(l => l.Line));
        Assert.Equal([1, 5], data.Locations.Select(l => l.Row)); // rows the file reader skipped still count
    }
}
