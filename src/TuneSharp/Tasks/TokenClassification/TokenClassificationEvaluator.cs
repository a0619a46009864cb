using TuneSharp.Data;
using TuneSharp.Evaluation.SequenceLabeling;
using TuneSharp.Tokenization;

namespace TuneSharp.Tasks.TokenClassification;

/// <summary>
/// seqeval's metrics of a token classifier on tagged sentences: windows for long sentences, one prediction per word
/// (from the window with the most context), entities scored in default or strict mode. The training task's evaluation
/// and <c>evaluate</c> use it.
/// </summary>
public static class TokenClassificationEvaluator
{
    /// <summary>Scores <paramref name="data"/> (tags in the model's label set) with <paramref name="model"/>.</summary>
    /// <exception cref="TuneSharpException">A tag the model does not know, or a stride that does not fit max_length.</exception>
    public static SequenceLabelingReport Evaluate(ITokenClassifier model, TextTokenizer tokenizer, TokenClassificationDataset data,
        int batchSize, TokenClassificationTaskOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var labels = LabelMap.FromId2Label(model.Config.Id2Label
            ?? throw new TuneSharpException($"{model.Config.Source}: the model has no id2label; it is not a trained token classifier."));
        var stride = options.StrideFor(tokenizer.Encode("").Length);
        var words = new TokenizedWords(tokenizer, data.Examples.Select(e => e.Tokens).ToList(), options.MaxLength, stride);
        return Score(labels, data, WordScoring.Run(model, words, batchSize, null, ct), options);
    }

    /// <summary>The report of word-level probabilities against the data's tags (a word without scores is predicted "O").</summary>
    internal static SequenceLabelingReport Score(LabelMap labels, TokenClassificationDataset data, float[]?[][] scores, TokenClassificationTaskOptions options)
    {
        var outside = labels.TryGetId("O", out var o) ? o : 0;
        var predicted = scores.Select(sentence => (IReadOnlyList<string>)sentence
            .Select(p => labels.Label(p is null ? outside : ArgMax(p))).ToArray()).ToList();
        var truth = data.Examples.Select(e => e.Tags).ToList();
        return SeqevalMetrics.Compute(truth, predicted, options.Mode, options.Scheme);
    }

    private static int ArgMax(float[] values)
    {
        var best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
