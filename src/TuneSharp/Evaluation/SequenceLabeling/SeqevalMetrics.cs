namespace TuneSharp.Evaluation.SequenceLabeling;

/// <summary>
/// Entity-level precision, recall and F1 for sequence labelling (named-entity recognition), computed as the Python
/// package seqeval 1.2.2 computes them — the numbers transformers' token-classification example (run_ner.py) reports
/// through evaluate's "seqeval" metric — plus seqeval's token accuracy.
/// </summary>
public static class SeqevalMetrics
{
    /// <summary>
    /// Scores <paramref name="predictedTags"/> against <paramref name="trueTags"/>, one tag sequence per sentence.
    /// A predicted entity is correct when a labelled entity has the same sentence, type, start and end. Scores are
    /// seqeval's with its default zero_division ("warn", which scores 0): a precision with no predicted entities, a
    /// recall with no labelled ones and an F1 whose precision and recall are both 0 are 0. Types are those found in the
    /// labels or the predictions, in ordinal order. Token accuracy is seqeval's accuracy_score over all tokens.
    /// </summary>
    /// <param name="trueTags">The labelled tags of each sentence, e.g. [["B-PER", "I-PER", "O"], ...].</param>
    /// <param name="predictedTags">The predicted tags, sentence for sentence and token for token.</param>
    /// <param name="mode">seqeval's default (lenient, conlleval-compatible) reading, or strict.</param>
    /// <param name="scheme">The tagging scheme for <see cref="SeqevalMode.Strict"/>; ignored in the default mode, as in
    /// seqeval. (seqeval's classification_report guesses a scheme when strict mode is given none; here it is always named.)</param>
    /// <exception cref="TuneSharpException">The two sides differ in their number of sentences or in a sentence's length,
    /// there is no token at all, a tag is null or empty, or (strict mode) a tag has a prefix the scheme does not allow.</exception>
    public static SequenceLabelingReport Compute(
        IReadOnlyList<IReadOnlyList<string>> trueTags, IReadOnlyList<IReadOnlyList<string>> predictedTags,
        SeqevalMode mode = SeqevalMode.Default, TagScheme scheme = TagScheme.Iob2)
    {
        ArgumentNullException.ThrowIfNull(trueTags);
        ArgumentNullException.ThrowIfNull(predictedTags);
        SchemeRules? rules = mode == SeqevalMode.Strict ? SchemeRules.For(scheme) : null;
        CheckInputs(trueTags, predictedTags, scheme, rules);

        var trueEntities = FindEntities(trueTags, rules);
        var predictedEntities = FindEntities(predictedTags, rules);

        var countsByType = new SortedDictionary<string, (int Correct, int Predicted, int Support)>(StringComparer.Ordinal);
        foreach (var entity in trueEntities)
        {
            countsByType.TryGetValue(entity.Type, out var counts);
            countsByType[entity.Type] = (counts.Correct + (predictedEntities.Contains(entity) ? 1 : 0), counts.Predicted, counts.Support + 1);
        }
        foreach (var entity in predictedEntities)
        {
            countsByType.TryGetValue(entity.Type, out var counts);
            countsByType[entity.Type] = counts with { Predicted = counts.Predicted + 1 };
        }

        var perType = countsByType.Select(pair => EntityScoring.Score(pair.Key, pair.Value.Correct, pair.Value.Predicted, pair.Value.Support)).ToArray();
        int correct = perType.Sum(s => s.Correct), predicted = predictedEntities.Count, support = trueEntities.Count;
        var micro = EntityScoring.Score("micro avg", correct, predicted, support);

        return new SequenceLabelingReport(
            mode, rules is null ? null : scheme,
            accuracy: TokenAccuracy(trueTags, predictedTags),
            micro: new ClassScores(micro.Precision, micro.Recall, micro.F1, support),
            macro: EntityScoring.Macro(perType, support),
            weighted: EntityScoring.Weighted(perType, support),
            perType: perType,
            predictedEntities: predicted,
            correctEntities: correct);
    }

    /// <summary>An entity by its type and its first and one-past-last positions in all sentences laid end to end, one position apart.</summary>
    private readonly record struct PlacedEntity(string Type, int Start, int End);

    private static HashSet<PlacedEntity> FindEntities(IReadOnlyList<IReadOnlyList<string>> sentences, SchemeRules? rules)
    {
        var entities = new HashSet<PlacedEntity>();
        if (rules is null)
        {
            // seqeval's default mode reads all sentences as one stream with an "O" after each, so that is done here too:
            // for tags that begin with O, B, I, E or S it is the same as reading each sentence alone, and for malformed
            // tags it keeps seqeval's numbers. Stream positions identify the sentence, so equal spans in different
            // sentences stay distinct.
            LenientChunker.Scan(Stream(sentences), (type, start, end) => entities.Add(new PlacedEntity(type, start, end)));
            return entities;
        }
        int offset = 0;
        foreach (var sentence in sentences)
        {
            foreach (var span in StrictChunker.Extract(sentence, rules))
                entities.Add(new PlacedEntity(span.Type, offset + span.Start, offset + span.End));
            offset += sentence.Count + 1;
        }
        return entities;
    }

    private static IEnumerable<string> Stream(IReadOnlyList<IReadOnlyList<string>> sentences)
    {
        foreach (var sentence in sentences)
        {
            foreach (string tag in sentence) yield return tag;
            yield return "O";
        }
    }

    private static double TokenAccuracy(IReadOnlyList<IReadOnlyList<string>> trueTags, IReadOnlyList<IReadOnlyList<string>> predictedTags)
    {
        int tokens = 0, equal = 0;
        for (int s = 0; s < trueTags.Count; s++)
            for (int t = 0; t < trueTags[s].Count; t++)
            {
                tokens++;
                if (string.Equals(trueTags[s][t], predictedTags[s][t], StringComparison.Ordinal)) equal++;
            }
        return (double)equal / tokens;
    }

    private static void CheckInputs(
        IReadOnlyList<IReadOnlyList<string>> trueTags, IReadOnlyList<IReadOnlyList<string>> predictedTags,
        TagScheme scheme, SchemeRules? rules)
    {
        if (trueTags.Count != predictedTags.Count)
            throw new TuneSharpException(
                $"seqeval metrics: the labels have {trueTags.Count} sentences but the predictions have {predictedTags.Count}; expected one predicted tag sequence per labelled sentence.");
        int tokens = 0;
        for (int s = 0; s < trueTags.Count; s++)
        {
            var labels = trueTags[s] ?? throw new TuneSharpException($"seqeval metrics: labels, sentence {s} is null; expected a list of tags.");
            var predictions = predictedTags[s] ?? throw new TuneSharpException($"seqeval metrics: predictions, sentence {s} is null; expected a list of tags.");
            if (labels.Count != predictions.Count)
                throw new TuneSharpException(
                    $"seqeval metrics: sentence {s} has {labels.Count} labelled tags but {predictions.Count} predicted tags; expected one predicted tag per labelled token.");
            TagChecks.RequireTags(labels, $"seqeval metrics: labels, sentence {s}");
            TagChecks.RequireTags(predictions, $"seqeval metrics: predictions, sentence {s}");
            if (rules is not null)
            {
                TagChecks.RequirePrefixes(labels, scheme, rules, $"seqeval metrics: labels, sentence {s}");
                TagChecks.RequirePrefixes(predictions, scheme, rules, $"seqeval metrics: predictions, sentence {s}");
            }
            tokens += labels.Count;
        }
        if (tokens == 0)
            throw new TuneSharpException(
                $"seqeval metrics: there are no tokens to score ({trueTags.Count} sentences, all empty); token accuracy is undefined.");
    }
}
