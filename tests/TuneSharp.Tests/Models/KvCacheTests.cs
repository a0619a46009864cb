using Xunit.Abstractions;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Models;

/// <summary>Incremental decoding with a KV cache gives the logits of recomputing the whole sequence.</summary>
public class KvCacheTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void CachedStepsEqualFullRecompute(bool float64)
    {
        var (model, tolerance) = GoldenFiles.StoriesForInvariance(float64);
        var sequence = GoldenFiles.Ints(GoldenFiles.Read("stories260K", "golden_greedy.json")["full_sequence_token_ids"])[..40];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var full = model.Forward(GoldenFiles.LongTensor(sequence))[0];

        using var cache = model.CreateCache();
        // A multi-token prefill, then one token at a time, then a 3-token chunk.
        var chunks = new List<int[]> { sequence[..10] };
        chunks.AddRange(sequence[10..37].Select(t => new[] { t }));
        chunks.Add(sequence[37..40]);
        var position = 0;
        foreach (var chunk in chunks)
        {
            Assert.Equal(position, cache.Length);
            var logits = model.Forward(GoldenFiles.LongTensor(chunk), cache: cache)[0];
            var diff = GoldenFiles.MaxAbsDiff(logits, full[TensorIndex.Slice(position, position + chunk.Length)]);
            output.WriteLine($"{(float64 ? "float64" : "float32")}: chunk at {position} max |diff| {diff:E2}");
            Assert.True(diff <= tolerance, $"chunk at position {position} differs by {diff}");
            position += chunk.Length;
        }
        Assert.Equal(40, cache.Length);
        Assert.Equal(new long[] { 1, 4, 40, 8 }, cache.Keys(0)!.shape); // kv heads only (GQA)
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void CachedLeftPaddedBatchEqualsFullRecompute(bool float64)
    {
        var (model, tolerance) = GoldenFiles.StoriesForInvariance(float64);
        var sequence = GoldenFiles.Ints(GoldenFiles.Read("stories260K", "golden_greedy.json")["full_sequence_token_ids"]);
        int[] shortRow = [.. sequence[..5]], longRow = [.. sequence[..12]];
        int[] continuation = [.. sequence[12..18]];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();

        // Prefill a left-padded batch, then feed the same continuation tokens to both rows one by one.
        int[] paddedShort = [.. Enumerable.Repeat(0, 7), .. shortRow];
        int[] shortMask = [.. Enumerable.Repeat(0, 7), .. Enumerable.Repeat(1, 5)];
        var ids = new List<int[]> { paddedShort, longRow };
        var mask = new List<int[]> { shortMask, Enumerable.Repeat(1, 12).ToArray() };
        using var cache = model.CreateCache();
        model.Forward(GoldenFiles.LongTensor(ids), GoldenFiles.LongTensor(mask), cache: cache);
        foreach (var token in continuation)
        {
            ids = ids.Select(r => (int[])[.. r, token]).ToList();
            mask = mask.Select(r => (int[])[.. r, 1]).ToList();
            var step = model.Forward(GoldenFiles.LongTensor(new[] { new[] { token }, new[] { token } }), GoldenFiles.LongTensor(mask), cache: cache);
            var full = model.Forward(GoldenFiles.LongTensor(ids), GoldenFiles.LongTensor(mask));
            Assert.True(GoldenFiles.MaxAbsDiff(step.select(1, 0), full.select(1, -1)) <= tolerance);
            // The short row behaves as if it had never been padded.
            var alone = model.Forward(GoldenFiles.LongTensor([.. shortRow, .. ids[0][12..]]))[0, -1];
            Assert.True(GoldenFiles.MaxAbsDiff(step[0, 0], alone) <= tolerance);
        }
    }
}
