using TuneSharp.Data;
using TuneSharp.Evaluation.QuestionAnswering;

namespace TuneSharp.Tasks.QuestionAnswering;

/// <summary>
/// Scores a QA model on examples with gold answers, as run_qa.py reports it: answers by <see cref="AnswerPostProcessing"/>,
/// then SQuAD v1.1's exact_match and f1, or with <see cref="AnswerPostProcessingOptions.Version2WithNegative"/> SQuAD
/// v2.0's exact, f1, HasAns_* and NoAns_* (and the best thresholds, from the null-score margins).
/// </summary>
public static class QuestionAnsweringEvaluator
{
    /// <summary>The metrics of <paramref name="predictions"/> against the gold answers of <paramref name="examples"/>.</summary>
    public static Dictionary<string, double> Score(IReadOnlyList<QuestionAnsweringExample> examples, IReadOnlyList<AnswerPrediction> predictions,
        AnswerPostProcessingOptions options)
    {
        var golds = examples.ToDictionary(e => e.Id, e => (IReadOnlyList<string>)e.Answers.Select(a => a.Text).ToArray(), StringComparer.Ordinal);
        var answers = predictions.ToDictionary(p => p.Id, p => p.Answer, StringComparer.Ordinal);
        if (!options.Version2WithNegative)
        {
            if (examples.FirstOrDefault(e => !e.IsAnswerable) is { } unanswerable)
                throw new TuneSharpException($"Question '{TextExcerpt.Of(unanswerable.Id, 60)}' has no answer, so the data is SQuAD v2.0-style; set version_2_with_negative to train and score questions without answers.") { Setting = "version_2_with_negative" };
            return SquadMetrics.ComputeV1(answers, golds).ToDictionary();
        }
        // The official script's na_prob from run_qa's null-score margins: larger margin, more likely no answer.
        var margins = predictions.ToDictionary(p => p.Id, p => p.NullScoreDiff ?? 0.0, StringComparer.Ordinal);
        return SquadMetrics.ComputeV2(answers, golds, margins, noAnswerThreshold: double.PositiveInfinity).ToDictionary();
    }
}
