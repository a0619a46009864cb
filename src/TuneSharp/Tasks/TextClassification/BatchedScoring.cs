using TuneSharp.Tasks.SequenceClassification;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.TextClassification;

/// <summary>
/// The one inference loop behind evaluation and prediction: length-sorted batches, eval mode without gradients, each
/// batch in its own dispose scope, and only the scores (softmax, sigmoid or values) leaving the device, so all logits
/// are never held at once. Rows come back in input order. A text cut into windows gets the scores of its windows'
/// logits combined (<see cref="WindowAggregation"/>): only the windows' logits are kept on the host, one row each.
/// </summary>
internal static class BatchedScoring
{
    /// <summary>Scores every tokenized text; one row per text, in input order.</summary>
    /// <param name="model">The classifier (put in eval mode for the loop, its mode restored after).</param>
    /// <param name="texts">The tokenized inputs (pairs included).</param>
    /// <param name="batchSize">Windows per forward pass.</param>
    /// <param name="encoding">Turns logits into scores for the model's problem type.</param>
    /// <param name="aggregation">How the logits of a text's windows are combined (unused when every text has one window).</param>
    /// <param name="onBatch">called with text indices and their logits (e.g. to add up a loss) while they are alive: per
    /// forward batch, or for windowed texts per batch of texts after their windows' logits are combined.</param>
    /// <param name="ct">Checked between batches.</param>
    public static double[][] Run(ISequenceClassifier model, TokenizedTexts texts, int batchSize, LabelEncoding encoding,
        WindowAggregation aggregation = WindowAggregation.Mean, Action<int[], Tensor>? onBatch = null, CancellationToken ct = default)
    {
        var scores = new double[texts.TextCount][];
        var width = encoding.Labels.Count;
        if (!texts.HasWindows)
        {
            InferenceLoop.Run(model.Module, texts.ByDecreasingLength().Chunk(batchSize), batch =>
            {
                var (ids, mask, types) = texts.Batch(batch);
                var logits = model.Forward(ids, mask, types);
                onBatch?.Invoke(batch, logits);
                CopyRows(encoding.Scores(logits), batch, width, scores);
            }, ct);
            return scores;
        }

        var textLogits = CombinedLogits(model, texts, batchSize, width, aggregation, ct);
        // The combined logits are float32, as the model's own are before scoring; scores and the loss come from them in
        // batches of texts, on the host.
        foreach (var batch in Enumerable.Range(0, texts.TextCount).Chunk(batchSize))
        {
            using var scope = NewDisposeScope();
            var logits = tensor(batch.SelectMany(t => textLogits[t]).ToArray(), [batch.Length, width]);
            onBatch?.Invoke(batch, logits);
            CopyRows(encoding.Scores(logits), batch, width, scores);
        }
        return scores;
    }

    // Every window's logits (float32, as the head gives them when scored), then per text their mean or maximum.
    private static float[][] CombinedLogits(ISequenceClassifier model, TokenizedTexts texts, int batchSize, int width,
        WindowAggregation aggregation, CancellationToken ct)
    {
        var windowLogits = new float[texts.Count][];
        InferenceLoop.Run(model.Module, texts.ByDecreasingLength().Chunk(batchSize), batch =>
        {
            var (ids, mask, types) = texts.Batch(batch);
            var values = model.Forward(ids, mask, types).to_type(ScalarType.Float32).cpu().data<float>().ToArray();
            for (int k = 0; k < batch.Length; k++) windowLogits[batch[k]] = values.AsSpan(k * width, width).ToArray();
        }, ct);

        var sums = new double[texts.TextCount][];
        var counts = new int[texts.TextCount];
        for (int w = 0; w < texts.Count; w++)
        {
            var t = texts.TextOf(w);
            var row = sums[t] ??= new double[width];
            for (int c = 0; c < width; c++)
                row[c] = aggregation == WindowAggregation.Max
                    ? counts[t] == 0 ? windowLogits[w][c] : Math.Max(row[c], windowLogits[w][c])
                    : row[c] + windowLogits[w][c];
            counts[t]++;
        }
        return sums.Select((row, t) => row.Select(v => (float)(aggregation == WindowAggregation.Max ? v : v / counts[t])).ToArray()).ToArray();
    }

    private static void CopyRows(Tensor scores, int[] rows, int width, double[][] into)
    {
        var values = scores.cpu().to_type(ScalarType.Float64).data<double>().ToArray();
        for (int k = 0; k < rows.Length; k++) into[rows[k]] = values.AsSpan(k * width, width).ToArray();
    }
}
