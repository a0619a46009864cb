using Xunit.Abstractions;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Models;

/// <summary>Padding side and appended tokens must not change any real token's output.</summary>
public class PaddingInvarianceTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;

    /// <summary>Pads rows to the longest with <paramref name="pad"/>, on the left or right; returns ids and mask.</summary>
    private static (Tensor Ids, Tensor Mask) Pad(int[][] rows, bool left, int pad)
    {
        var width = rows.Max(r => r.Length);
        var ids = rows.Select(r => left ? Enumerable.Repeat(pad, width - r.Length).Concat(r).ToArray() : r.Concat(Enumerable.Repeat(pad, width - r.Length)).ToArray()).ToArray();
        var mask = rows.Select(r => left ? Enumerable.Repeat(0, width - r.Length).Concat(Enumerable.Repeat(1, r.Length)).ToArray() : Enumerable.Repeat(1, r.Length).Concat(Enumerable.Repeat(0, width - r.Length)).ToArray()).ToArray();
        return (GoldenFiles.LongTensor(ids), GoldenFiles.LongTensor(mask));
    }

    /// <summary>Largest difference between the real tokens' rows of left- and right-padded outputs [B, T, ...].</summary>
    private static double RealTokenDiff(Tensor leftOut, Tensor rightOut, int[][] rows)
    {
        var width = (int)leftOut.shape[1];
        double worst = 0;
        for (var b = 0; b < rows.Length; b++)
        {
            var n = rows[b].Length;
            var fromLeft = leftOut[b, TensorIndex.Slice(width - n, width)];
            var fromRight = rightOut[b, TensorIndex.Slice(0, n)];
            worst = Math.Max(worst, GoldenFiles.MaxAbsDiff(fromLeft, fromRight));
        }
        return worst;
    }

    [SkippableFact]
    public void BertHiddenStatesDoNotDependOnPaddingSide()
    {
        var (model, _) = GoldenFiles.LoadMiniLm();
        var golden = GoldenFiles.Read("all-MiniLM-L6-v2", "golden_hidden.json");
        var masks = GoldenFiles.IntRows(golden["attention_mask"]);
        var rows = GoldenFiles.IntRows(golden["input_ids"]).Select((r, i) => r[..masks[i].Sum()]).ToArray();
        Assert.True(rows.Select(r => r.Length).Distinct().Count() > 2);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (rightIds, rightMask) = Pad(rows, left: false, pad: 0);
        var (leftIds, leftMask) = Pad(rows, left: true, pad: 0);
        var right = model.forward(rightIds, rightMask).LastHiddenState;
        var left = model.forward(leftIds, leftMask).LastHiddenState;
        Assert.True(RealTokenDiff(left, right, rows) <= Tolerance);

        // And both equal running the longest sentence alone, unpadded.
        var longest = Array.IndexOf(rows, rows.MaxBy(r => r.Length));
        var alone = model.forward(GoldenFiles.LongTensor(rows[longest])).LastHiddenState[0];
        Assert.True(GoldenFiles.MaxAbsDiff(alone, right[longest]) <= Tolerance);
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void LlamaLogitsDoNotDependOnPaddingSide(bool float64)
    {
        var (model, tolerance) = GoldenFiles.StoriesForInvariance(float64);
        var sequence = GoldenFiles.Ints(GoldenFiles.Read("stories260K", "golden_greedy.json")["full_sequence_token_ids"]);
        int[][] rows = [sequence[..9], sequence[..30], sequence[20..41], sequence[5..17]];

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (rightIds, rightMask) = Pad(rows, left: false, pad: 0);
        var (leftIds, leftMask) = Pad(rows, left: true, pad: 0);
        var right = model.Forward(rightIds, rightMask);
        var left = model.Forward(leftIds, leftMask);
        Assert.False(left.isnan().any().item<bool>());
        var sideDiff = RealTokenDiff(left, right, rows);
        output.WriteLine($"{(float64 ? "float64" : "float32")}: left vs right padding max |diff| {sideDiff:E2}");
        Assert.True(sideDiff <= tolerance, $"left vs right padding differ by {sideDiff}");

        for (var b = 0; b < rows.Length; b++)
        {
            var alone = model.Forward(GoldenFiles.LongTensor(rows[b]))[0];
            var aloneDiff = GoldenFiles.MaxAbsDiff(alone, right[b, TensorIndex.Slice(0, rows[b].Length)]);
            Assert.True(aloneDiff <= tolerance, $"row {b} alone vs padded differs by {aloneDiff}");
        }
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void LlamaAppendingTokensDoesNotChangeEarlierLogits(bool float64)
    {
        var (model, tolerance) = GoldenFiles.StoriesForInvariance(float64);
        var sequence = GoldenFiles.Ints(GoldenFiles.Read("stories260K", "golden_greedy.json")["full_sequence_token_ids"]);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var shorter = model.Forward(GoldenFiles.LongTensor(sequence[..20]))[0];
        var longer = model.Forward(GoldenFiles.LongTensor(sequence))[0, TensorIndex.Slice(0, 20)];
        var diff = GoldenFiles.MaxAbsDiff(shorter, longer);
        output.WriteLine($"{(float64 ? "float64" : "float32")}: earlier logits changed by {diff:E2}");
        Assert.True(diff <= tolerance);
    }
}
