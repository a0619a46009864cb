namespace TuneSharp.Tasks.TokenClassification;

/// <summary>
/// Word labels put on sub-tokens, as transformers' token-classification examples do (run_ner's
/// <c>tokenize_and_align_labels</c>): the first sub-token of each word carries the word's label, the other sub-tokens
/// and the special tokens get <see cref="IgnoreIndex"/> (left out of the loss), or, with <c>label_all_tokens</c>, every
/// sub-token carries the label, a B- label turned into its I- label after the first sub-token.
/// </summary>
public static class WordLabelAlignment
{
    /// <summary>The label of positions the loss ignores (PyTorch's and transformers' -100).</summary>
    public const int IgnoreIndex = -100;

    /// <summary>
    /// For each label id, the id of its I- label when it is a B- label that has one, else itself (transformers'
    /// <c>b_to_i_label</c>).
    /// </summary>
    public static int[] BeginToInside(IReadOnlyList<string> labels)
    {
        var ids = labels.Select((label, id) => (label, id)).ToDictionary(p => p.label, p => p.id, StringComparer.Ordinal);
        return labels.Select((label, id) =>
            label.StartsWith("B-", StringComparison.Ordinal) && ids.TryGetValue("I-" + label[2..], out var inside) ? inside : id).ToArray();
    }

    /// <summary>
    /// The labels of one tokenized window. <paramref name="wordIds"/> gives each position's word (null for special and pad
    /// tokens), <paramref name="firstSubToken"/> whether the position is its word's first sub-token in the whole sentence
    /// (a window may start inside a word), <paramref name="wordLabels"/> the label id of every word of the sentence.
    /// </summary>
    /// <param name="wordIds">Each position's word (null for special and pad tokens).</param>
    /// <param name="firstSubToken">Whether each position is its word's first sub-token in the whole sentence.</param>
    /// <param name="wordLabels">The label id of every word of the sentence.</param>
    /// <param name="labelAllTokens">Label every sub-token, not only the first.</param>
    /// <param name="beginToInside">From <see cref="BeginToInside"/>; needed only with <paramref name="labelAllTokens"/>.</param>
    public static long[] Align(IReadOnlyList<int?> wordIds, IReadOnlyList<bool> firstSubToken, IReadOnlyList<int> wordLabels,
        bool labelAllTokens = false, IReadOnlyList<int>? beginToInside = null)
    {
        ArgumentNullException.ThrowIfNull(wordIds);
        ArgumentNullException.ThrowIfNull(firstSubToken);
        ArgumentNullException.ThrowIfNull(wordLabels);
        if (firstSubToken.Count != wordIds.Count) throw new ArgumentException("One first-sub-token flag per position is needed.", nameof(firstSubToken));
        if (labelAllTokens && beginToInside is null) throw new ArgumentNullException(nameof(beginToInside), "label_all_tokens needs the B- to I- map.");
        var labels = new long[wordIds.Count];
        for (int t = 0; t < labels.Length; t++)
        {
            if (wordIds[t] is not { } word) { labels[t] = IgnoreIndex; continue; }
            var label = wordLabels[word];
            labels[t] = firstSubToken[t] ? label : labelAllTokens ? beginToInside![label] : IgnoreIndex;
        }
        return labels;
    }
}
