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
    public void Whole_alpaca_file_loads_with_its_two_empty_outputs_as_empty_replies()
    {
        var path = SharedData.RequireData("alpaca/alpaca_5000.json");

        var data = CausalLmData.Load(new CausalLmDataOptions { Path = path });

        Assert.Equal(5_000, data.Count);
        Assert.Equal(0, data.Skipped.Count);
        Assert.Equal([2_336, 4_659], Enumerable.Range(0, data.Count).Where(i => data.Conversations![i][^1].Content == "").Select(i => data.Locations[i].Row));
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
