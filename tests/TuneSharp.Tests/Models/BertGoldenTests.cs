using Xunit.Abstractions;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Models;

/// <summary>all-MiniLM-L6-v2 reproduces the ONNX Runtime reference activations in golden_hidden.json.</summary>
public class BertGoldenTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void LoadsEveryWeightAndHasTheDocumentedParameterCount()
    {
        var (model, report) = GoldenFiles.LoadMiniLm();
        Assert.True(report.IsClean, report.ToString());
        Assert.Equal(22_713_216L, model.parameters().Sum(p => p.numel()));
        var keys = model.state_dict().Keys.ToHashSet();
        Assert.Contains("embeddings.word_embeddings.weight", keys);
        Assert.Contains("encoder.layer.5.attention.self.query.weight", keys);
        Assert.Contains("encoder.layer.0.attention.output.LayerNorm.bias", keys);
        Assert.Contains("encoder.layer.3.intermediate.dense.weight", keys);
        Assert.Contains("encoder.layer.3.output.dense.weight", keys);
        Assert.Contains("pooler.dense.bias", keys);
        Assert.Equal(103, keys.Count);
    }

    [SkippableFact]
    public void PaddedBatchMatchesGoldenHiddenStates()
    {
        var (model, _) = GoldenFiles.LoadMiniLm();
        var golden = GoldenFiles.Read("all-MiniLM-L6-v2", "golden_hidden.json");
        var tolerance = golden["tolerance"]!.GetValue<double>();
        var ids = GoldenFiles.IntRows(golden["input_ids"]);
        var mask = GoldenFiles.IntRows(golden["attention_mask"]);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var result = model.forward(GoldenFiles.LongTensor(ids), GoldenFiles.LongTensor(mask));
        var hidden = result.LastHiddenState; // [10, 23, 384]
        Assert.Equal(new long[] { 10, 23, 384 }, hidden.shape);

        double realDiff = 0, padDiff = 0, meanDiff = 0, clsDiff = 0;
        var first8 = golden["last_hidden_state_first8"]!.AsArray();
        for (var b = 0; b < ids.Length; b++)
        {
            for (var t = 0; t < ids[b].Length; t++)
            {
                var expected = GoldenFiles.Doubles(first8[b]![t]);
                var actual = GoldenFiles.Floats(hidden[b, t, TensorIndex.Slice(0, 8)]);
                var diff = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
                if (mask[b][t] == 1) realDiff = Math.Max(realDiff, diff); else padDiff = Math.Max(padDiff, diff);
            }
            var realCount = mask[b].Sum();
            var meanPooled = GoldenFiles.Floats(hidden[b, TensorIndex.Slice(0, realCount)].mean([0]));
            meanDiff = Math.Max(meanDiff, GoldenFiles.Doubles(golden["mean_pooled"]![b]).Zip(meanPooled, (e, a) => Math.Abs(e - a)).Max());
            var cls = GoldenFiles.Floats(hidden[b, 0]);
            clsDiff = Math.Max(clsDiff, GoldenFiles.Doubles(golden["cls_hidden"]![b]).Zip(cls, (e, a) => Math.Abs(e - a)).Max());
        }
        output.WriteLine($"max |diff| real tokens {realDiff:E2}, padded positions {padDiff:E2}, mean_pooled {meanDiff:E2}, cls {clsDiff:E2}");
        Assert.True(realDiff <= tolerance, $"real tokens differ by {realDiff}");
        Assert.True(padDiff <= tolerance, $"padded positions differ by {padDiff}");
        Assert.True(meanDiff <= tolerance, $"mean_pooled differs by {meanDiff}");
        Assert.True(clsDiff <= tolerance, $"cls_hidden differs by {clsDiff}");
        Assert.NotNull(result.PoolerOutput);
        Assert.Equal(new long[] { 10, 384 }, result.PoolerOutput!.shape);
    }
}
