namespace TuneSharp.Tasks.TokenClassification;

/// <summary>
/// Turns the scored tokens of one text into entities, by the rules of transformers' token-classification pipeline
/// (<c>aggregate</c>, <c>aggregate_words</c>, <c>group_entities</c>, then the <c>ignore_labels</c> filter): a pure function
/// of the scores, the labels and the text, so any source of token scores can use it.
/// </summary>
public static class EntityAggregation
{
    /// <summary>transformers' default <c>ignore_labels</c>: ["O"].</summary>
    public static IReadOnlyList<string> DefaultIgnoreLabels { get; } = ["O"];

    /// <summary>
    /// The entities of <paramref name="text"/> from its scored tokens (in text order), by <paramref name="strategy"/>; then
    /// every entity whose label is in <paramref name="ignoreLabels"/> is left out. The filter looks at
    /// <see cref="TokenEntity.Entity"/>, so it compares full labels ("B-PER") for <see cref="AggregationStrategy.None"/> and
    /// entity types ("PER") otherwise; an "O" token or word is grouped like any label, and so it separates the entities
    /// around it before it is filtered out.
    /// </summary>
    /// <param name="text">The original text; entity words are its spans.</param>
    /// <param name="tokens">The text's tokens with their probabilities, special tokens left out.</param>
    /// <param name="labels">Label names in label-id order (the model's id2label).</param>
    /// <param name="strategy">How tokens become entities.</param>
    /// <param name="ignoreLabels">Labels to leave out; null: <see cref="DefaultIgnoreLabels"/>.</param>
    /// <exception cref="ArgumentException">A token has not one score per label, or a span outside the text.</exception>
    public static IReadOnlyList<TokenEntity> Aggregate(string text, IReadOnlyList<PreEntity> tokens, IReadOnlyList<string> labels,
        AggregationStrategy strategy, IReadOnlyCollection<string>? ignoreLabels = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(labels);
        Check(text, tokens, labels.Count);
        var ignored = new HashSet<string>(ignoreLabels ?? DefaultIgnoreLabels, StringComparer.Ordinal);
        var entities = strategy switch
        {
            AggregationStrategy.None => tokens.Select(t => TokenEntityOf(text, t, labels)).ToList(),
            AggregationStrategy.Simple => Group(text, tokens.Select(t => TokenEntityOf(text, t, labels)).ToList()),
            AggregationStrategy.First or AggregationStrategy.Average or AggregationStrategy.Max => Group(text, Words(text, tokens, labels, strategy)),
            _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "Unknown aggregation strategy."),
        };
        return entities.Where(e => !ignored.Contains(e.Entity)).ToList();
    }

    /// <summary>
    /// The B-/I- part and the entity type of a label, as transformers' <c>get_tag</c>: "B-PER" is (B, PER), "I-PER" is
    /// (I, PER), and a label without either prefix ("O", "PER") is (I, the label) so that it continues a group of its own kind.
    /// </summary>
    public static (char Position, string Type) Tag(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (label.StartsWith("B-", StringComparison.Ordinal)) return ('B', label[2..]);
        if (label.StartsWith("I-", StringComparison.Ordinal)) return ('I', label[2..]);
        return ('I', label);
    }

    // aggregation_strategy none / simple: each token with its best label.
    private static TokenEntity TokenEntityOf(string text, PreEntity token, IReadOnlyList<string> labels)
    {
        var best = ArgMax(token.Scores);
        return new TokenEntity(labels[best], token.Scores[best], Span(text, token.Start, token.End), token.Start, token.End) { Index = token.Index };
    }

    // A word is a token that is not a sub-word and the sub-words after it; the first token always starts one.
    private static List<TokenEntity> Words(string text, IReadOnlyList<PreEntity> tokens, IReadOnlyList<string> labels, AggregationStrategy strategy)
    {
        var words = new List<TokenEntity>();
        var start = 0;
        for (int t = 1; t <= tokens.Count; t++)
        {
            if (t < tokens.Count && tokens[t].IsSubword) continue;
            if (t > start) words.Add(Word(text, tokens, start, t, labels, strategy));
            start = t;
        }
        return words;
    }

    // transformers' aggregate_word: the word's label and score from its sub-tokens [from, to).
    private static TokenEntity Word(string text, IReadOnlyList<PreEntity> tokens, int from, int to, IReadOnlyList<string> labels, AggregationStrategy strategy)
    {
        int label;
        float score;
        switch (strategy)
        {
            case AggregationStrategy.First:
                label = ArgMax(tokens[from].Scores);
                score = tokens[from].Scores[label];
                break;
            case AggregationStrategy.Max:
                var confident = from; // the first sub-token with the highest top probability
                for (int t = from + 1; t < to; t++)
                    if (tokens[t].Scores.Max() > tokens[confident].Scores.Max()) confident = t;
                label = ArgMax(tokens[confident].Scores);
                score = tokens[confident].Scores[label];
                break;
            default: // Average
                var means = new float[labels.Count];
                for (int l = 0; l < means.Length; l++)
                {
                    double sum = 0;
                    for (int t = from; t < to; t++) sum += tokens[t].Scores[l];
                    means[l] = (float)(sum / (to - from));
                }
                label = ArgMax(means);
                score = means[label];
                break;
        }
        var (start, end) = (tokens[from].Start, tokens[to - 1].End);
        return new TokenEntity(labels[label], score, Span(text, start, end), start, end);
    }

    // transformers' group_entities: a token or word joins the open group when it has the group's type and is not a B-.
    private static List<TokenEntity> Group(string text, List<TokenEntity> entities)
    {
        var groups = new List<TokenEntity>();
        var open = 0;
        for (int e = 1; e <= entities.Count; e++)
        {
            if (e < entities.Count)
            {
                var (position, type) = Tag(entities[e].Entity);
                if (type == Tag(entities[e - 1].Entity).Type && position != 'B') continue;
            }
            if (e > open) groups.Add(GroupOf(text, entities, open, e));
            open = e;
        }
        return groups;
    }

    // transformers' group_sub_entities: named after the first member's label without its first "-"-separated part, scored
    // by the mean of its members' scores.
    private static TokenEntity GroupOf(string text, List<TokenEntity> entities, int from, int to)
    {
        var first = entities[from].Entity;
        var dash = first.IndexOf('-');
        var type = dash < 0 ? first : first[(dash + 1)..];
        double sum = 0;
        for (int e = from; e < to; e++) sum += entities[e].Score;
        var (start, end) = (entities[from].Start, entities[to - 1].End);
        return new TokenEntity(type, (float)(sum / (to - from)), Span(text, start, end), start, end);
    }

    // The first index of the highest value, as numpy's argmax.
    private static int ArgMax(IReadOnlyList<float> values)
    {
        var best = 0;
        for (int i = 1; i < values.Count; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    private static string Span(string text, int start, int end) => text[start..end];

    private static void Check(string text, IReadOnlyList<PreEntity> tokens, int labelCount)
    {
        for (int t = 0; t < tokens.Count; t++)
        {
            var token = tokens[t] ?? throw new ArgumentException($"Token {t} is null.", nameof(tokens));
            if (token.Scores is null || token.Scores.Count != labelCount)
                throw new ArgumentException($"Token {t} (index {token.Index}) has {token.Scores?.Count ?? 0} scores; one per label ({labelCount}) is needed.", nameof(tokens));
            if (token.Start < 0 || token.End < token.Start || token.End > text.Length)
                throw new ArgumentException($"Token {t} (index {token.Index}) spans [{token.Start}, {token.End}), outside the text of {text.Length} characters.", nameof(tokens));
        }
    }
}
