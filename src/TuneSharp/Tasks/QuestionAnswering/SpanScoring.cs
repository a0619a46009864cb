using static TorchSharp.torch;

namespace TuneSharp.Tasks.QuestionAnswering;

/// <summary>
/// The one inference loop behind question-answering evaluation and prediction: length-sorted batches of features in eval
/// mode without gradients, each in its own dispose scope; each feature's start and end logits (its real positions only)
/// are copied to host arrays, so nothing grows on the device.
/// </summary>
internal static class SpanScoring
{
    /// <param name="model">The QA model (put in eval mode for the loop, its mode restored after).</param>
    /// <param name="features">The tokenized examples.</param>
    /// <param name="batchSize">Features per forward pass.</param>
    /// <param name="onBatch">Called with each batch's feature indices and logits while they are alive (to add up a loss).</param>
    /// <param name="ct">Checked between batches.</param>
    public static (float[][] Start, float[][] End) Run(IQuestionAnsweringModel model, QuestionAnsweringFeatures features, int batchSize,
        Action<int[], Tensor, Tensor>? onBatch = null, CancellationToken ct = default)
    {
        var starts = new float[features.Count][];
        var ends = new float[features.Count][];
        InferenceLoop.Run(model.Module, features.ByDecreasingLength().Chunk(batchSize), batch =>
        {
            var (ids, mask, types, _, _) = features.Batch(batch, withPositions: false);
            var (start, end) = model.Forward(ids, mask, types);
            onBatch?.Invoke(batch, start, end);
            var length = (int)start.shape[1];
            var startHost = start.cpu().data<float>().ToArray();
            var endHost = end.cpu().data<float>().ToArray();
            for (int b = 0; b < batch.Length; b++)
            {
                var real = features.Lengths[batch[b]];
                starts[batch[b]] = startHost.AsSpan(b * length, real).ToArray();
                ends[batch[b]] = endHost.AsSpan(b * length, real).ToArray();
            }
        }, ct);
        return (starts, ends);
    }
}
