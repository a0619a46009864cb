using static TorchSharp.torch;

namespace TuneSharp.Tasks.TokenClassification;

/// <summary>
/// The inference loop of the token-classification pipeline: length-sorted batches of windows in eval mode without
/// gradients, each in its own dispose scope; only the softmax probabilities of the positions that predict a token leave
/// the device, so all logits are never held at once. Windows that predict no token (a long text's window wholly
/// covered by its neighbours' better context) are not run.
/// </summary>
internal static class TokenScoring
{
    /// <summary>For each text and token, the label probabilities from the position that predicts it.</summary>
    /// <param name="model">The token classifier (put in eval mode for the loop, its mode restored after).</param>
    /// <param name="texts">The tokenized texts.</param>
    /// <param name="batchSize">Windows per forward pass.</param>
    public static float[][][] Run(ITokenClassifier model, WindowedTexts texts, int batchSize)
    {
        // Which tokens each window predicts, so a batch's probabilities go straight to their tokens.
        var byWindow = new Dictionary<int, List<(int Position, int Text, int Token)>>();
        for (int s = 0; s < texts.Tokens.Length; s++)
            for (int t = 0; t < texts.Tokens[s].Length; t++)
            {
                var token = texts.Tokens[s][t];
                if (!byWindow.TryGetValue(token.Window, out var targets)) byWindow[token.Window] = targets = [];
                targets.Add((token.Position, s, t));
            }
        var scores = texts.Tokens.Select(tokens => new float[tokens.Length][]).ToArray();
        var order = byWindow.Keys.OrderByDescending(w => texts.Lengths[w]).ThenBy(w => w).ToArray();
        InferenceLoop.Run(model.Module, order.Chunk(batchSize), batch =>
        {
            var (ids, mask, types) = texts.Batch(batch);
            var logits = model.Forward(ids, mask, types);
            var (length, labels) = (logits.shape[1], (int)logits.shape[2]);
            var targets = batch.SelectMany((window, b) => byWindow[window].Select(p => (Row: b * length + p.Position, p.Text, p.Token))).ToArray();
            var rows = tensor(targets.Select(p => p.Row).ToArray(), device: logits.device);
            var probabilities = logits.reshape(-1, labels).index_select(0, rows).softmax(-1).cpu().data<float>().ToArray();
            for (int r = 0; r < targets.Length; r++)
                scores[targets[r].Text][targets[r].Token] = probabilities.AsSpan(r * labels, labels).ToArray();
        });
        return scores;
    }
}
