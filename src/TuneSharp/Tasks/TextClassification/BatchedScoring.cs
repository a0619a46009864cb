using TuneSharp.Tasks.SequenceClassification;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.TextClassification;

/// <summary>
/// The one inference loop behind evaluation and prediction: length-sorted batches, eval mode without gradients, each
/// batch in its own dispose scope, and only the scores (softmax, sigmoid or values) leaving the device, so all logits
/// are never held at once. Rows come back in input order.
/// </summary>
internal static class BatchedScoring
{
    /// <summary>Scores every tokenized text; one row per text, in input order.</summary>
    /// <param name="model">The classifier (put in eval mode for the loop, its mode restored after).</param>
    /// <param name="texts">The tokenized inputs (pairs included).</param>
    /// <param name="batchSize">Examples per forward pass.</param>
    /// <param name="encoding">Turns logits into scores for the model's problem type.</param>
    /// <param name="onBatch">called with each batch's example indices and logits (e.g. to add up a loss) while they are alive.</param>
    /// <param name="ct">Checked between batches.</param>
    public static double[][] Run(ISequenceClassifier model, TokenizedTexts texts, int batchSize, LabelEncoding encoding,
        Action<int[], Tensor>? onBatch = null, CancellationToken ct = default)
    {
        var scores = new double[texts.Count][];
        var width = encoding.Labels.Count;
        InferenceLoop.Run(model.Module, texts.ByDecreasingLength().Chunk(batchSize), batch =>
        {
            var (ids, mask, types) = texts.Batch(batch);
            var logits = model.Forward(ids, mask, types);
            onBatch?.Invoke(batch, logits);
            var values = encoding.Scores(logits).cpu().to_type(ScalarType.Float64).data<double>().ToArray();
            for (int k = 0; k < batch.Length; k++) scores[batch[k]] = values.AsSpan(k * width, width).ToArray();
        }, ct);
        return scores;
    }
}
