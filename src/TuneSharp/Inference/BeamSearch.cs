using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Inference;

/// <summary>
/// Beam search without sampling, as transformers 4.40's <c>generate(num_beams=N, do_sample=False)</c> for one prompt:
/// each beam's score is its summed log-softmax; every step takes the 2·N best (beam, token) extensions over all beams
/// (more when there are several stop ids, so N non-stop extensions always remain), sends the ones ending in a stop
/// token that rank among the first N to the finished list, and continues with the best N others, the KV cache
/// reordered to follow them. It ends when the finished list cannot improve (<see cref="FinishedBeams.IsDone"/>), at the
/// length limit, or at max_time; then the running beams compete with the finished ones.
/// </summary>
internal static class BeamSearch
{
    /// <summary>The new tokens of the best sequence (ending with the stop token when one finished it) and why it stopped.</summary>
    public static (IReadOnlyList<int> Tokens, GenerationStopReason Reason) Run(
        ICausalLM model, PromptFit fit, GenerationOptions options, IReadOnlyList<int> stopIds, StopConditions stops, int padId)
    {
        var beams = options.NumBeams;
        var promptLength = fit.Ids.Count;
        using var batch = new DecodingBatch(model, Enumerable.Repeat(fit.Ids, beams).ToArray(), options.UseCache, padId);
        var finished = new FinishedBeams(beams, options.LengthPenalty, options.EarlyStopping);
        var isStop = new HashSet<int>(stopIds);
        // All beams start as the same prompt: only the first may extend it, or step one would pick N copies of one token.
        var scores = Enumerable.Range(0, beams).Select(b => b == 0 ? 0f : -1e9f).ToArray();
        var done = false;
        var timeUp = false;
        for (var step = 0; step < fit.NewTokenRoom && !done && !timeUp; step++)
        {
            var (candidates, tokens, vocab) = TopExtensions(batch, scores, options.RepetitionPenalty, (Math.Max(2, 1 + isStop.Count)) * beams);
            var generatedLength = batch.Width + 1 - promptLength; // counting the token being chosen
            var sources = new List<int>(beams);
            var nextTokens = new List<int>(beams);
            var nextScores = new List<float>(beams);
            for (var rank = 0; rank < candidates.Length && sources.Count < beams; rank++)
            {
                var (beam, token) = ((int)(tokens[rank] / vocab), (int)(tokens[rank] % vocab));
                if (isStop.Contains(token))
                {
                    // A stop token counts only when it is among the N best; the sequence is kept without it.
                    if (rank < beams) finished.Add(batch.Sequence(beam), candidates[rank], generatedLength, atStopToken: true);
                    continue;
                }
                sources.Add(beam);
                nextTokens.Add(token);
                nextScores.Add(candidates[rank]);
            }
            if (sources.Count < beams)
                throw new TuneSharpException($"Beam search found fewer than num_beams ({beams}) continuations that are not stop tokens; the vocabulary is too small for num_beams {beams}.") { Setting = "num_beams" };
            done = finished.IsDone(candidates[0], generatedLength);
            batch.Reorder(sources);
            batch.Append(nextTokens);
            scores = nextScores.ToArray();
            timeUp = stops.TimeIsUp;
        }
        if (!done)
            for (var beam = 0; beam < beams; beam++)
                finished.Add(batch.Sequence(beam), scores[beam], batch.Width - promptLength, atStopToken: false);

        var (best, atStop) = finished.Best();
        var generated = best.Skip(promptLength).ToList();
        // transformers appends the (first) stop id to a winner shorter than max_length. Only one that a stop token ended
        // gets it here: a beam cut short by max_time or the context window did not choose one.
        if (atStop) generated.Add(stopIds[0]);
        var reason = atStop ? GenerationStopReason.StopToken
            : timeUp && generated.Count < fit.NewTokenRoom ? GenerationStopReason.MaxTime
            : fit.StopsAtContext ? GenerationStopReason.ContextWindow : GenerationStopReason.MaxNewTokens;
        return (generated, reason);
    }

    // The k best (score, beam·V + token) over all beams: log-softmax, repetition penalty on it (transformers runs its
    // processors on the log-probabilities in beam search), plus each beam's running sum.
    private static (float[] Scores, long[] Tokens, long Vocab) TopExtensions(DecodingBatch batch, float[] beamScores, double penalty, int k)
    {
        using var scope = NewDisposeScope();
        var logProbs = batch.NextLogits().log_softmax(-1);
        logProbs = RepetitionPenalty.Apply(logProbs, batch.Sequences(), penalty);
        var running = tensor(beamScores, device: logProbs.device).unsqueeze(1);
        var flat = (logProbs + running).view(1, -1);
        var (values, indices) = flat.topk(Math.Min(k, (int)flat.shape[1]), dim: 1, largest: true, sorted: true);
        return (values[0].cpu().data<float>().ToArray(), indices[0].cpu().data<long>().ToArray(), logProbs.shape[1]);
    }
}
