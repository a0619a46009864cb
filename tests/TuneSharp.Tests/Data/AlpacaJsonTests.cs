using System.Text.Json;
using TuneSharp.Data;

namespace TuneSharp.Tests.Data;

/// <summary>The real Alpaca subset in ../shared: a 2 MB JSON array on one line, read element by element.</summary>
public class AlpacaJsonTests
{
    [SkippableFact]
    public void Json_array_of_5000_objects_matches_a_whole_document_parse()
    {
        var path = SharedData.RequireData("alpaca/alpaca_5000.json");
        var data = TabularReader.Read(path);

        Assert.Equal(DatasetFormat.Json, data.Format);
        Assert.Equal(["instruction", "input", "output"], data.Columns);
        Assert.Equal(5_000, data.Rows.Count);
        Assert.Equal(1_943, data.Rows.Count(r => r["input"] != "")); // README: 1,943 with non-empty input
        Assert.All(data.Rows, r => Assert.Equal(1, r.Line)); // the whole file is one line

        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var expected = document.RootElement.EnumerateArray().ToList();
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].GetProperty("instruction").GetString(), data.Rows[i]["instruction"]);
            Assert.Equal(expected[i].GetProperty("output").GetString(), data.Rows[i]["output"]);
        }
    }
}
