namespace TuneSharp.Evaluation.QuestionAnswering;

/// <summary>
/// Extractive question-answering scores exactly as the official SQuAD scripts compute them: <c>evaluate-v1.1.py</c>
/// (exact match and F1, each the best over a question's gold answers, in percent over all questions) and
/// <c>evaluate-v2.0.py</c> (the same with unanswerable questions, whose only gold answer is the empty string, plus the
/// HasAns/NoAns splits and, given no-answer probabilities, the best threshold). Pure functions of predictions and golds.
/// </summary>
public static class SquadMetrics
{
    /// <summary>1 when the normalised prediction equals the normalised gold answer, else 0.</summary>
    public static double ExactMatch(string prediction, string gold) =>
        SquadNormalization.Normalize(prediction) == SquadNormalization.Normalize(gold) ? 1 : 0;

    /// <summary>
    /// Token-level F1 of the normalised prediction against the normalised gold answer (tokens counted with multiplicity).
    /// When either side has no token, v2.0 scores 1 if both are empty and 0 otherwise (<paramref name="emptyMatchesEmpty"/>,
    /// the default); v1.1 scores 0 whenever no token is shared, so also when both are empty.
    /// </summary>
    public static double F1(string prediction, string gold, bool emptyMatchesEmpty = true)
    {
        var predicted = SquadNormalization.NormalizedTokens(prediction);
        var truth = SquadNormalization.NormalizedTokens(gold);
        if (predicted.Length == 0 || truth.Length == 0) return emptyMatchesEmpty && predicted.Length == truth.Length ? 1 : 0;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in truth) counts[token] = counts.GetValueOrDefault(token) + 1;
        var same = 0;
        foreach (var token in predicted)
            if (counts.TryGetValue(token, out var left) && left > 0) { same++; counts[token] = left - 1; }
        if (same == 0) return 0;
        double precision = (double)same / predicted.Length, recall = (double)same / truth.Length;
        return 2 * precision * recall / (precision + recall);
    }

    /// <summary>
    /// SQuAD v1.1: exact match and F1 in percent over <paramref name="golds"/> (question id → gold answer texts). A
    /// question without a prediction scores 0, as in the official script.
    /// </summary>
    /// <exception cref="ArgumentException">No questions, or a question without gold answers.</exception>
    public static SquadScores ComputeV1(IReadOnlyDictionary<string, string> predictions, IReadOnlyDictionary<string, IReadOnlyList<string>> golds)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(golds);
        if (golds.Count == 0) throw new ArgumentException("There are no questions to score.", nameof(golds));
        double exact = 0, f1 = 0;
        foreach (var (id, answers) in golds)
        {
            if (answers.Count == 0) throw new ArgumentException($"Question '{id}' has no gold answer; SQuAD v1.1 questions all have one (use ComputeV2 for unanswerable questions).", nameof(golds));
            if (!predictions.TryGetValue(id, out var prediction)) continue;
            exact += answers.Max(a => ExactMatch(prediction, a));
            f1 += answers.Max(a => F1(prediction, a, emptyMatchesEmpty: false));
        }
        return new SquadScores(100 * exact / golds.Count, 100 * f1 / golds.Count, golds.Count);
    }

    /// <summary>
    /// SQuAD v2.0: the gold answers of a question are those whose normalised text is not empty, or the empty string when
    /// there are none (unanswerable); an empty prediction is the null answer. With <paramref name="noAnswerProbabilities"/>
    /// (question id → probability that there is no answer; the official script's na_prob file), a prediction counts as the
    /// null answer when its probability exceeds <paramref name="noAnswerThreshold"/> (default 1.0: never), and the best
    /// thresholds for exact match and F1 are searched as the official script does. Questions without a prediction are left
    /// out of every score, as in the official script (which prints them as missing).
    /// </summary>
    /// <exception cref="ArgumentException">No questions have a prediction, or a probability is missing for one that has.</exception>
    public static SquadV2Scores ComputeV2(IReadOnlyDictionary<string, string> predictions, IReadOnlyDictionary<string, IReadOnlyList<string>> golds,
        IReadOnlyDictionary<string, double>? noAnswerProbabilities = null, double noAnswerThreshold = 1.0)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(golds);
        var scored = new List<(string Id, bool HasAnswer, double Exact, double F1)>();
        foreach (var (id, answers) in golds)
        {
            if (!predictions.TryGetValue(id, out var prediction)) continue;
            // As the official script: a question has an answer when its list is not empty; the golds compared against are
            // those whose normalised text is not empty, or the empty string.
            var real = answers.Where(a => SquadNormalization.Normalize(a).Length > 0).ToArray();
            var candidates = real.Length > 0 ? real : [""];
            scored.Add((id, answers.Count > 0, candidates.Max(a => ExactMatch(prediction, a)), candidates.Max(a => F1(prediction, a))));
        }
        if (scored.Count == 0) throw new ArgumentException("No question has a prediction.", nameof(predictions));
        double NoAnswer(string id) => noAnswerProbabilities is null ? 0.0
            : noAnswerProbabilities.TryGetValue(id, out var p) ? p
            : throw new ArgumentException($"Question '{id}' has a prediction but no no-answer probability.", nameof(noAnswerProbabilities));

        // apply_no_ans_threshold: above the threshold the prediction is the null answer, right exactly when there is none.
        var thresholded = scored.Select(s => NoAnswer(s.Id) > noAnswerThreshold
            ? (s.Id, s.HasAnswer, Exact: s.HasAnswer ? 0.0 : 1.0, F1: s.HasAnswer ? 0.0 : 1.0)
            : (s.Id, s.HasAnswer, s.Exact, s.F1)).ToArray();
        static SquadScores Split(IReadOnlyCollection<(string Id, bool HasAnswer, double Exact, double F1)> part) =>
            part.Count == 0 ? new SquadScores(0, 0, 0) : new SquadScores(100 * part.Sum(p => p.Exact) / part.Count, 100 * part.Sum(p => p.F1) / part.Count, part.Count);
        var hasAnswer = thresholded.Where(s => s.HasAnswer).ToArray();
        var noAnswer = thresholded.Where(s => !s.HasAnswer).ToArray();

        BestThreshold? bestExact = null, bestF1 = null;
        if (noAnswerProbabilities is not null)
        {
            var unanswerable = golds.Count(g => g.Value.Count == 0);
            bestExact = FindBestThreshold(scored, s => s.Exact, predictions, NoAnswer, unanswerable);
            bestF1 = FindBestThreshold(scored, s => s.F1, predictions, NoAnswer, unanswerable);
        }
        return new SquadV2Scores(Split(thresholded), hasAnswer.Length > 0 ? Split(hasAnswer) : null, noAnswer.Length > 0 ? Split(noAnswer) : null, bestExact, bestF1);
    }

    // find_best_thresh: start from predicting "no answer" everywhere (right on the NoAns questions: all of the dataset's,
    // predicted or not, as the official script counts them), then let questions
    // answer in increasing order of their no-answer probability, keeping the best running total. A question with an answer
    // gains its score; one without loses 1 when the prediction is not empty.
    private static BestThreshold FindBestThreshold(IReadOnlyList<(string Id, bool HasAnswer, double Exact, double F1)> scored,
        Func<(string Id, bool HasAnswer, double Exact, double F1), double> score, IReadOnlyDictionary<string, string> predictions,
        Func<string, double> noAnswer, int unanswerable)
    {
        double current = unanswerable, best = current, bestThreshold = 0.0;
        // Python's sorted() is stable: ties keep the order of the probability file (here: the golds' order).
        foreach (var s in scored.OrderBy(s => noAnswer(s.Id)))
        {
            current += s.HasAnswer ? score(s) : predictions[s.Id].Length > 0 ? -1 : 0;
            if (current > best) { best = current; bestThreshold = noAnswer(s.Id); }
        }
        return new BestThreshold(100 * best / scored.Count, bestThreshold);
    }
}

/// <summary>Exact match and F1 in percent over <paramref name="Total"/> questions.</summary>
public sealed record SquadScores(double ExactMatch, double F1, int Total)
{
    /// <summary>The scores under the names of the official scripts and of evaluate's "squad" metric: exact_match, f1.</summary>
    public Dictionary<string, double> ToDictionary() => new() { ["exact_match"] = ExactMatch, ["f1"] = F1 };
}

/// <summary>The best no-answer threshold and the score it gives (percent).</summary>
public sealed record BestThreshold(double Score, double Threshold);

/// <summary>SQuAD v2.0 scores: overall, on the questions with an answer (HasAns) and without (NoAns), best thresholds.</summary>
public sealed record SquadV2Scores(SquadScores Overall, SquadScores? HasAnswer, SquadScores? NoAnswer, BestThreshold? BestExact, BestThreshold? BestF1)
{
    /// <summary>
    /// The keys of evaluate-v2.0.py's output: exact, f1, total, HasAns_exact, HasAns_f1, HasAns_total, NoAns_exact,
    /// NoAns_f1, NoAns_total, and with probabilities best_exact, best_exact_thresh, best_f1, best_f1_thresh.
    /// </summary>
    public Dictionary<string, double> ToDictionary()
    {
        var result = new Dictionary<string, double> { ["exact"] = Overall.ExactMatch, ["f1"] = Overall.F1, ["total"] = Overall.Total };
        if (HasAnswer is { } has) { result["HasAns_exact"] = has.ExactMatch; result["HasAns_f1"] = has.F1; result["HasAns_total"] = has.Total; }
        if (NoAnswer is { } no) { result["NoAns_exact"] = no.ExactMatch; result["NoAns_f1"] = no.F1; result["NoAns_total"] = no.Total; }
        if (BestExact is { } be) { result["best_exact"] = be.Score; result["best_exact_thresh"] = be.Threshold; }
        if (BestF1 is { } bf) { result["best_f1"] = bf.Score; result["best_f1_thresh"] = bf.Threshold; }
        return result;
    }
}
