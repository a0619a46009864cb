namespace TuneSharp.Tasks.TextClassification;

/// <summary>A label with its score.</summary>
public sealed record LabelScore(string Label, double Score);

/// <summary>
/// The prediction for one text: the top label and its score, and the scores of the labels in decreasing order
/// (all of them, or the top k). Scores are softmax probabilities (single-label), independent sigmoid probabilities
/// (multi-label) or the raw output (regression).
/// </summary>
public sealed record TextClassificationPrediction(string Label, double Score, IReadOnlyList<LabelScore> Scores)
{
    /// <summary>
    /// Multi-label models only: every label whose sigmoid score is at least <see cref="LabelEncoding.MultiLabelThreshold"/>
    /// (possibly none), best first. Null for single-label and regression models.
    /// </summary>
    public IReadOnlyList<string>? PredictedLabels { get; init; }
}
