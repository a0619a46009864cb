using TuneSharp.Data;

namespace TuneSharp.Tasks.QuestionAnswering;

/// <summary>How start/end logits become answers (transformers' <c>postprocess_qa_predictions</c> arguments).</summary>
public sealed record AnswerPostProcessingOptions
{
    /// <summary>Start and end candidates taken per window, and answers kept per example (n_best_size). Default 20.</summary>
    public int NBestSize { get; init; } = 20;

    /// <summary>The longest answer in tokens (max_answer_length). Default 30.</summary>
    public int MaxAnswerLength { get; init; } = 30;

    /// <summary>Whether a question may have no answer (SQuAD v2.0: version_2_with_negative). Default false.</summary>
    public bool Version2WithNegative { get; init; }

    /// <summary>With <see cref="Version2WithNegative"/>: the null answer is chosen when its score beats the best span's by more than this (null_score_diff_threshold). Default 0.</summary>
    public double NullScoreDiffThreshold { get; init; }

    /// <summary>Checks the values.</summary>
    /// <exception cref="TuneSharpException">A size below 1.</exception>
    public void Validate()
    {
        if (NBestSize < 1) throw new TuneSharpException($"n_best_size must be at least 1, got {NBestSize}.") { Setting = "n_best_size" };
        if (MaxAnswerLength < 1) throw new TuneSharpException($"max_answer_length must be at least 1 token, got {MaxAnswerLength}.") { Setting = "max_answer_length" };
        if (!double.IsFinite(NullScoreDiffThreshold)) throw new TuneSharpException($"null_score_diff_threshold must be a finite number, got {NullScoreDiffThreshold}.") { Setting = "null_score_diff_threshold" };
    }
}

/// <summary>
/// One candidate answer: its text, its span in the context (.NET string indices; the null answer is "" at 0..0, and the
/// placeholder utils_qa.py adds when no span is valid is "empty" at 0..0), its
/// probability among the example's n best candidates, and the logits it was scored from.
/// </summary>
public sealed record AnswerCandidate(string Text, int Start, int End, double Probability, float StartLogit, float EndLogit)
{
    /// <summary>Whether this is the null answer ("no answer in the context").</summary>
    public bool IsNull => Text.Length == 0;
}

/// <summary>
/// The answer chosen for one example: <see cref="Answer"/> (the empty string when the null answer wins), its span and
/// probability, the n best candidates in decreasing score, and for SQuAD v2.0 the null score's margin over the best span.
/// </summary>
public sealed record AnswerPrediction(string Id, string Answer, int Start, int End, double Probability, IReadOnlyList<AnswerCandidate> NBest, double? NullScoreDiff);

/// <summary>
/// Turns per-window start and end logits into one answer per example with the semantics of transformers'
/// <c>postprocess_qa_predictions</c> (examples/pytorch/question-answering/utils_qa.py): in every window the
/// <c>n_best_size</c> highest start and end logits are paired; a pair is kept when both ends are context tokens, the end is
/// not before the start and the span has at most <c>max_answer_length</c> tokens, scored start + end logit; the null answer
/// is the window with the lowest CLS score (start[0] + end[0]); the example's n best spans over all its windows are kept,
/// their probabilities a softmax over their scores; v1 answers with the best span, v2 with the null answer when its score
/// minus the best non-null span's exceeds <c>null_score_diff_threshold</c>. Candidates are taken among the window's real
/// positions only (run_qa pads windows to max_length, so padding positions can take candidate slots there).
/// </summary>
public static class AnswerPostProcessing
{
    /// <summary>
    /// Answers for <paramref name="examples"/>; <paramref name="startLogits"/> / <paramref name="endLogits"/> hold, for each
    /// feature of <paramref name="features"/>, one logit per position of the window (at least the window's length).
    /// </summary>
    /// <exception cref="ArgumentException">The logits do not match the features.</exception>
    public static AnswerPrediction[] Predict(IReadOnlyList<QuestionAnsweringExample> examples, QuestionAnsweringFeatures features,
        IReadOnlyList<float[]> startLogits, IReadOnlyList<float[]> endLogits, AnswerPostProcessingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(features);
        options ??= new AnswerPostProcessingOptions();
        options.Validate();
        if (startLogits.Count != features.Count || endLogits.Count != features.Count)
            throw new ArgumentException($"Got logits for {startLogits.Count} / {endLogits.Count} features, expected {features.Count}.");
        var byExample = new List<int>[examples.Count];
        for (int e = 0; e < examples.Count; e++) byExample[e] = [];
        for (int f = 0; f < features.Count; f++)
        {
            var feature = features.Features[f];
            if (startLogits[f].Length < feature.InputIds.Length || endLogits[f].Length < feature.InputIds.Length)
                throw new ArgumentException($"Feature {f} has {feature.InputIds.Length} positions but {startLogits[f].Length} start / {endLogits[f].Length} end logits.");
            byExample[feature.Example].Add(f);
        }
        return examples.Select((example, e) => PredictOne(example, byExample[e].Select(f => (features.Features[f], startLogits[f], endLogits[f])), options)).ToArray();
    }

    private sealed record Scored(int Start, int End, float Score, float StartLogit, float EndLogit);

    private static AnswerPrediction PredictOne(QuestionAnsweringExample example, IEnumerable<(QuestionAnsweringFeatures.Feature Feature, float[] Start, float[] End)> windows,
        AnswerPostProcessingOptions options)
    {
        Scored? minNull = null;
        var preliminary = new List<Scored>();
        foreach (var (feature, start, end) in windows)
        {
            var length = feature.InputIds.Length;
            var nullScore = start[0] + end[0];
            if (minNull is null || minNull.Score > nullScore) minNull = new Scored(0, 0, nullScore, start[0], end[0]);
            var offsets = feature.ContextOffsets;
            foreach (var s in TopIndices(start, length, options.NBestSize))
                foreach (var t in TopIndices(end, length, options.NBestSize))
                {
                    if (offsets[s] is not { } first || offsets[t] is not { } last) continue;
                    if (t < s || t - s + 1 > options.MaxAnswerLength) continue;
                    preliminary.Add(new Scored(first.Start, last.End, start[s] + end[t], start[s], end[t]));
                }
        }
        if (options.Version2WithNegative && minNull is not null) preliminary.Add(minNull);
        // Python's sorted(reverse=True) is stable, as OrderByDescending is: equal scores keep their order.
        var best = preliminary.OrderByDescending(p => p.Score).Take(options.NBestSize).ToList();
        if (options.Version2WithNegative && minNull is not null && !best.Any(p => p.Start == 0 && p.End == 0)) best.Add(minNull);

        var texts = best.Select(p => example.Context[p.Start..p.End]).ToList();
        if (best.Count == 0 || (best.Count == 1 && texts[0].Length == 0))
        {
            // utils_qa.py's fallback when no span is valid: a dummy "empty" answer with score 0 at the front.
            best.Insert(0, new Scored(0, 0, 0, 0, 0));
            texts.Insert(0, "empty");
        }
        var max = best.Max(p => (double)p.Score);
        var exp = best.Select(p => Math.Exp(p.Score - max)).ToArray();
        var sum = exp.Sum();
        var candidates = best.Select((p, i) => new AnswerCandidate(texts[i], p.Start, p.End, exp[i] / sum, p.StartLogit, p.EndLogit)).ToArray();

        if (!options.Version2WithNegative)
            return new AnswerPrediction(example.Id, candidates[0].Text, candidates[0].Start, candidates[0].End, candidates[0].Probability, candidates, null);
        var bestSpan = candidates.First(c => !c.IsNull);
        // In float32, as numpy computes it from the float32 logits.
        float diff = minNull!.Score - bestSpan.StartLogit - bestSpan.EndLogit;
        if (diff > options.NullScoreDiffThreshold)
        {
            var nullCandidate = candidates.First(c => c.IsNull);
            return new AnswerPrediction(example.Id, "", 0, 0, nullCandidate.Probability, candidates, diff);
        }
        return new AnswerPrediction(example.Id, bestSpan.Text, bestSpan.Start, bestSpan.End, bestSpan.Probability, candidates, diff);
    }

    // np.argsort(logits)[-1 : -n - 1 : -1]: the n highest positions, highest first. numpy's default sort is not stable,
    // so the order among equal logits is unspecified there; here the later position comes first, as a stable ascending
    // sort read backwards gives.
    private static IEnumerable<int> TopIndices(float[] logits, int length, int n) =>
        Enumerable.Range(0, length).OrderBy(i => logits[i]).ThenBy(i => i).Reverse().Take(n);
}
