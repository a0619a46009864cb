using TuneSharp.Tasks.SequenceClassification;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Tasks.SequenceClassification;

/// <summary>Llama classifiers read each row's last real token, found from the attention mask, for either padding side.</summary>
public class LastTokenPoolingTests(ITestOutputHelper output)
{
    [Fact]
    public void LastRealTokenIndexHandlesRightLeftFullAndEmptyRows()
    {
        using var mask = TinyClassifiers.Long(new long[,]
        {
            { 1, 1, 1, 0, 0 }, // right padded
            { 0, 0, 1, 1, 1 }, // left padded
            { 1, 1, 1, 1, 1 }, // full
            { 1, 0, 0, 0, 0 }, // one token
            { 0, 0, 0, 0, 0 }, // nothing real
        });
        using var last = LastTokenPooling.LastRealTokenIndex(mask);
        Assert.Equal(new long[] { 2, 4, 4, 0, 0 }, last.data<long>().ToArray());
    }

    [Fact]
    public void LogitsAreTheScoreOfTheHiddenStateAtEachRowsLastRealToken()
    {
        manual_seed(5);
        using var model = TinyClassifiers.Llama(new() { NumLabels = 3 });
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // Padding uses id 2, the eos id, as the usual "pad = eos" setup does; row 0 also ends with a REAL eos,
        // which a pad_token_id rule would mistake for padding.
        var ids = TinyClassifiers.Long(new long[,]
        {
            { 5, 9, 13, 2, 2, 2 },  // right padded, 4 real tokens, the last one an eos
            { 2, 2, 2, 7, 11, 17 }, // left padded, 3 real tokens
            { 3, 4, 5, 6, 7, 8 },   // no padding
            { 21, 22, 2, 2, 2, 2 }, // right padded, 2 real tokens
        });
        var mask = TinyClassifiers.Long(new long[,]
        {
            { 1, 1, 1, 1, 0, 0 },
            { 0, 0, 0, 1, 1, 1 },
            { 1, 1, 1, 1, 1, 1 },
            { 1, 1, 0, 0, 0, 0 },
        });
        long[] lastReal = [3, 5, 5, 1];

        var logits = model.Forward(ids, mask, null);
        var hidden = model.Backbone.Forward(ids, null, mask, null).LastHiddenState;
        var scoreWeight = model.Score.weight!;
        for (var b = 0; b < lastReal.Length; b++)
        {
            var expected = hidden[b, lastReal[b]].matmul(scoreWeight.t()); // score(hidden[b, last])
            Assert.True(TinyClassifiers.MaxAbsDiff(expected, logits[b]) < 1e-6, $"row {b}: logits are not score(hidden[{b}, {lastReal[b]}])");
        }
    }

    [Fact]
    public void PaddingOnEitherSideGivesTheUnpaddedLogits()
    {
        manual_seed(6);
        using var model = TinyClassifiers.Llama(new() { NumLabels = 2 });
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long[] tokens = [4, 8, 15, 16, 23];
        var alone = model.Forward(TinyClassifiers.Long(new long[,] { { 4, 8, 15, 16, 23 } }), TinyClassifiers.Long(new long[,] { { 1, 1, 1, 1, 1 } }), null);

        var ids = TinyClassifiers.Long(new long[,] { { 4, 8, 15, 16, 23, 0, 0 }, { 0, 0, 4, 8, 15, 16, 23 } });
        var mask = TinyClassifiers.Long(new long[,] { { 1, 1, 1, 1, 1, 0, 0 }, { 0, 0, 1, 1, 1, 1, 1 } });
        var padded = model.Forward(ids, mask, null);
        // Different sequence lengths change float32 reduction order only; a wrong token or wrong positions
        // would change the logits by orders of magnitude more.
        output.WriteLine($"max |diff| vs unpadded: right padding {TinyClassifiers.MaxAbsDiff(alone[0], padded[0]):E2}, left padding {TinyClassifiers.MaxAbsDiff(alone[0], padded[1]):E2}");
        Assert.True(TinyClassifiers.MaxAbsDiff(alone[0], padded[0]) < 1e-5, "right padding changed the logits");
        Assert.True(TinyClassifiers.MaxAbsDiff(alone[0], padded[1]) < 1e-5, "left padding changed the logits");
        Assert.Equal(tokens.Length, (int)mask[1].sum().item<long>());
    }
}
