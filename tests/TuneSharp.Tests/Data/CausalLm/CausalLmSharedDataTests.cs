using TuneSharp.Data;
using TuneSharp.Tokenization.ChatTemplates;

namespace TuneSharp.Tests.Data.CausalLm;

/// <summary>The real Alpaca and SGD chat files in ../shared.</summary>
public class CausalLmSharedDataTests
{
    [SkippableFact]
    public void Alpaca_json_array_rows_become_conversations()
    {
        var path = SharedData.RequireData("alpaca/alpaca_5000.json");

        var data = CausalLmData.Load(new CausalLmDataOptions { Path = path, MaxSamples = 3 });

        Assert.Equal(CausalLmDataFormat.Alpaca, data.Format);
        Assert.Equal(3, data.Count);
        Assert.Equal([new ChatMessage("user", "Are the two sentences below grammatically correct? Output yes or no.\n\nSentence 1: I am going to the store.\nSentence 2: I goes to the store."),
            new ChatMessage("assistant", "No")], data.Conversations![0]);
        Assert.Equal([1, 2, 3], data.Locations.Select(l => l.Row));
        Assert.Contains("row 3 (line 1)", data.DescribeRow(2));
    }

    [SkippableFact]
    public void Whole_alpaca_file_has_two_empty_outputs_which_are_errors_or_skipped()
    {
        var path = SharedData.RequireData("alpaca/alpaca_5000.json");

        var e = Assert.Throws<DataFormatException>(() => CausalLmData.Load(new CausalLmDataOptions { Path = path }));
        var data = CausalLmData.Load(new CausalLmDataOptions { Path = path, OnBadRow = BadRowPolicy.Skip });

        Assert.Contains("row 2336 of the JSON array: the output is empty", e.Message);
        Assert.Equal(4_998, data.Count);
        Assert.Equal(2, data.Skipped.ByReason["empty output"]);
        Assert.Equal(2_336, data.Locations[2_334].Row + 1); // the rows after the skipped one keep their numbers
        var rows = TabularReader.Read(path).Rows;
        for (var i = 0; i < data.Count; i++)
        {
            var row = rows[data.Locations[i].Row - 1];
            var input = row["input"];
            var user = input == "" ? row["instruction"] : row["instruction"] + "\n\n" + input;
            Assert.Equal([new ChatMessage("user", user!), new ChatMessage("assistant", row["output"]!)], data.Conversations![i]);
        }
    }

    [SkippableFact]
    public void Sgd_chat_jsonl_rows_alternate_user_and_assistant()
    {
        var path = SharedData.RequireData("sgd-chat/sgd_train.jsonl");

        var data = CausalLmData.Load(new CausalLmDataOptions { Path = path, MaxSamples = 20 });

        Assert.Equal(CausalLmDataFormat.Chat, data.Format);
        Assert.Equal(20, data.Count);
        Assert.Equal("I am feeling hungry so I would like to find a place to eat.", data.Conversations![0][0].Content);
        Assert.All(data.Conversations!, c => Assert.Contains(c, m => m.Role == "assistant"));
        Assert.Equal(Enumerable.Range(1, 20), data.Locations.Select(l => l.Line));
    }
}
