using TuneSharp.Data;
using TuneSharp.Evaluation;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tokenization;

namespace TuneSharp.Tasks.TextClassification;

/// <summary>A classifier's metrics on a labelled dataset: the report (accuracy, F1, confusion matrix) and the mean loss.</summary>
public sealed record TextClassificationEvaluation(ClassificationReport Report, double Loss, int Count)
{
    /// <summary>HF-style metric keys with <paramref name="prefix"/> (eval_accuracy, eval_f1, eval_loss, ...).</summary>
    public Dictionary<string, double> ToDictionary(string prefix = "eval_")
    {
        var d = Report.ToDictionary(prefix);
        d[prefix + "loss"] = Loss;
        d[prefix + "samples"] = Count;
        return d;
    }
}

/// <summary>Evaluates a trained single-label classifier on labelled data (used for test sets and <c>tunesharp evaluate</c>).</summary>
public static class TextClassificationEvaluator
{
    /// <summary>
    /// Predicts every example (length-sorted batches, no gradients, probabilities moved off the device batch by batch)
    /// and compares with the labels, which must be among the model's id2label. Loss = mean cross entropy, −log p(true label).
    /// </summary>
    public static TextClassificationEvaluation Evaluate(ISequenceClassifier model, TextTokenizer tokenizer, TextClassificationDataset data,
        int batchSize = 32, int? maxLength = null, CancellationToken ct = default)
    {
        if (data.HasTextPairs) throw new TuneSharpException("Evaluating text-pair data is not supported yet (the pipeline takes single texts).");
        ct.ThrowIfCancellationRequested();
        var pipeline = new TextClassificationPipeline(model, tokenizer, maxLength);
        var predictions = pipeline.Predict(data.Examples.Select(e => e.Text), batchSize);
        var labelIds = new Dictionary<string, int>();
        for (var i = 0; i < pipeline.Labels.Count; i++) labelIds[pipeline.Labels[i]] = i;

        var predicted = new int[data.Count];
        var truth = new int[data.Count];
        double loss = 0;
        for (var i = 0; i < data.Count; i++)
        {
            var example = data.Examples[i];
            if (!labelIds.TryGetValue(example.Label, out truth[i]))
                throw new TuneSharpException($"{data.SourcePath}: line {example.Line}: label '{example.Label}' is not one the model was trained on ({string.Join(", ", pipeline.Labels)}).");
            predicted[i] = labelIds[predictions[i].Label];
            var pTrue = predictions[i].Scores.First(s => s.Label == example.Label).Score;
            loss -= Math.Log(Math.Max(pTrue, double.Epsilon));
        }
        var id2label = Enumerable.Range(0, pipeline.Labels.Count).ToDictionary(i => i, i => pipeline.Labels[i]);
        var report = ClassificationMetrics.Compute(predicted, truth, pipeline.Labels.Count, id2label);
        return new TextClassificationEvaluation(report, data.Count == 0 ? 0 : loss / data.Count, data.Count);
    }
}
