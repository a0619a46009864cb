using TuneSharp.Data;

namespace TuneSharp.Tests.Data;

public class LabelMapTests
{
    [Fact]
    public void Integer_labels_sort_numerically_then_other_labels_ordinally()
    {
        Assert.Equal(["0", "1", "2", "10"], LabelMap.Build(["10", "2", "0", "1", "2"]).Labels);
        Assert.Equal(["-1", "0", "1"], LabelMap.Build(["1", "-1", "0"]).Labels);
        Assert.Equal(["B", "a", "b"], LabelMap.Build(["b", "a", "B"]).Labels);
        Assert.Equal(["2", "10", "1.5", "x"], LabelMap.Build(["x", "1.5", "10", "2"]).Labels);
        Assert.Equal(["01", "1", "2"], LabelMap.Build(["2", "1", "01"]).Labels); // equal values: ordinal
    }

    [Fact]
    public void Maps_both_ways()
    {
        var map = LabelMap.Build(["pos", "neg", "pos"]);

        Assert.Equal(2, map.Count);
        Assert.Equal(new Dictionary<int, string> { [0] = "neg", [1] = "pos" }, map.Id2Label);
        Assert.Equal(new Dictionary<string, int> { ["neg"] = 0, ["pos"] = 1 }, map.Label2Id);
        Assert.Equal(1, map.Id("pos"));
        Assert.Equal("neg", map.Label(0));
        Assert.True(map.TryGetId("neg", out var id) && id == 0);
        var error = Assert.Throws<TuneSharpException>(() => map.Id("neutral"));
        Assert.Equal("Label 'neutral' is not in the label map (labels: 'neg', 'pos').", error.Message);
    }

    [Fact]
    public void From_id2label_requires_contiguous_ids()
    {
        var map = LabelMap.FromId2Label(new Dictionary<int, string> { [1] = "POSITIVE", [0] = "NEGATIVE" });
        Assert.Equal(["NEGATIVE", "POSITIVE"], map.Labels);

        var error = Assert.Throws<TuneSharpException>(() => LabelMap.FromId2Label(new Dictionary<int, string> { [0] = "a", [2] = "b" }));
        Assert.Contains("id 1 is missing", error.Message);
    }

    [Fact]
    public void Rejects_duplicate_and_empty_labels()
    {
        Assert.Throws<ArgumentException>(() => new LabelMap(["a", "a"]));
        Assert.Throws<ArgumentException>(() => new LabelMap(["a", " "]));
        Assert.Throws<ArgumentException>(() => new LabelMap([]));
    }
}
