using static TorchSharp.torch;

namespace TuneSharp.Tasks.TokenClassification;

/// <summary>
/// The one inference loop behind token-classification evaluation and prediction: length-sorted batches of windows in
/// eval mode without gradients, each in its own dispose scope; only the softmax scores of the positions that predict a
/// word leave the device, so all logits are never held at once. Returns, per sentence and word, the label
/// probabilities (null for a word that produced no token).
/// </summary>
internal static class WordScoring
{
    /// <param name="model">The token classifier (put in eval mode for the loop, its mode restored after).</param>
    /// <param name="words">The tokenized sentences.</param>
    /// <param name="batchSize">Windows per forward pass.</param>
    /// <param name="onBatch">Called with each batch's feature indices and logits while they are alive (to add up a loss).</param>
    /// <param name="ct">Checked between batches.</param>
    public static float[]?[][] Run(ITokenClassifier model, TokenizedWords words, int batchSize,
        Action<int[], Tensor>? onBatch = null, CancellationToken ct = default)
    {
        // Which word each (feature, position) predicts, so a batch's scores go straight to their words.
        var predicts = new Dictionary<(int Feature, int Position), (int Sentence, int Word)>();
        for (int s = 0; s < words.Predictors.Length; s++)
            for (int w = 0; w < words.Predictors[s].Length; w++)
                if (words.Predictors[s][w].Feature >= 0) predicts[words.Predictors[s][w]] = (s, w);
        var byFeature = predicts.GroupBy(p => p.Key.Feature).ToDictionary(g => g.Key, g => g.ToArray());

        var scores = words.Predictors.Select(p => new float[]?[p.Length]).ToArray();
        InferenceLoop.Run(model.Module, words.ByDecreasingLength().Chunk(batchSize), batch =>
        {
            var (ids, mask, types, _) = words.Batch(batch, null);
            var logits = model.Forward(ids, mask, types);
            onBatch?.Invoke(batch, logits);
            var (rows, length, labels) = (batch.Length, logits.shape[1], (int)logits.shape[2]);
            var probabilities = logits.softmax(-1).cpu().data<float>().ToArray();
            for (int b = 0; b < rows; b++)
            {
                if (!byFeature.TryGetValue(batch[b], out var targets)) continue;
                foreach (var ((_, position), (sentence, word)) in targets)
                    scores[sentence][word] = probabilities.AsSpan((int)((b * length + position) * labels), labels).ToArray();
            }
        }, ct);
        return scores;
    }
}
