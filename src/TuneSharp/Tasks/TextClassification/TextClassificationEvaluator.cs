using TuneSharp.Data;
using TuneSharp.Evaluation;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tokenization;

namespace TuneSharp.Tasks.TextClassification;

/// <summary>
/// A classifier's metrics on a labelled dataset: the problem type's metrics (without prefix), the mean loss and,
/// for single-label classifiers, the full report (per-class scores, confusion matrix).
/// </summary>
public sealed record TextClassificationEvaluation(ProblemType ProblemType, IReadOnlyDictionary<string, double> Metrics, double Loss, int Count,
    ClassificationReport? Report)
{
    /// <summary>
    /// HF-style metric keys with <paramref name="prefix"/>: eval_accuracy, eval_f1 ... (single-label), eval_f1_micro,
    /// eval_f1_macro, eval_subset_accuracy, eval_hamming_loss ... (multi-label), eval_mse, eval_rmse, eval_mae, eval_r2,
    /// eval_pearson, eval_spearmanr (regression); always eval_loss and eval_samples.
    /// </summary>
    public Dictionary<string, double> ToDictionary(string prefix = "eval_")
    {
        var d = Metrics.ToDictionary(m => prefix + m.Key, m => m.Value);
        d[prefix + "loss"] = Loss;
        d[prefix + "samples"] = Count;
        return d;
    }
}

/// <summary>Evaluates a trained classifier (any problem type) on labelled data (used for test sets and <c>tunesharp evaluate</c>).</summary>
public static class TextClassificationEvaluator
{
    /// <summary>
    /// Predicts every example, with its text pair when the data has them (length-sorted batches, no gradients, scores
    /// moved off the device batch by batch)
    /// and compares with the labels, which must be read in the model's problem type's label format and be among its
    /// id2label. Loss = the training loss: cross entropy −log p(true label), mean binary cross entropy of the sigmoid
    /// scores, or squared error. <paramref name="longText"/> windows score a long text by its windows' combined logits.
    /// </summary>
    public static TextClassificationEvaluation Evaluate(ISequenceClassifier model, TextTokenizer tokenizer, TextClassificationDataset data,
        int batchSize = 32, int? maxLength = null, CancellationToken ct = default, LongTextOptions? longText = null)
    {
        ct.ThrowIfCancellationRequested();
        var pipeline = new TextClassificationPipeline(model, tokenizer, maxLength, longText);
        return Evaluate(pipeline, data, batchSize, ct);
    }

    /// <summary>Evaluates with a pipeline's model, length and long-text settings (see the overload above).</summary>
    public static TextClassificationEvaluation Evaluate(TextClassificationPipeline pipeline, TextClassificationDataset data, int batchSize = 32,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ct.ThrowIfCancellationRequested();
        var model = pipeline.Model;
        var encoding = LabelEncoding.For(model.ProblemType, pipeline.Labels);
        var targets = encoding.Encode(data);
        var scores = pipeline.Scores(data.Examples.Select(e => e.Text), data.HasTextPairs ? data.Examples.Select(e => e.TextPair) : null, batchSize);

        var loss = data.Count == 0 ? 0 : Enumerable.Range(0, data.Count).Sum(i => encoding.Loss(scores[i], targets[i])) / data.Count;
        var metrics = encoding.Metrics(scores, targets);
        return new TextClassificationEvaluation(model.ProblemType, metrics.Values, loss, data.Count, metrics.Report);
    }
}
