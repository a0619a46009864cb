using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.TokenClassification;

/// <summary>
/// Pre-split sentences tokenized once into features: one per window of at most max_length tokens (a longer sentence
/// gives several windows overlapping by <c>stride</c> tokens, never a cut), each with its word ids, the first sub-token
/// flags of the whole sentence, and for every word the one window position whose logits predict it: the window in which
/// its first sub-token has the most context on both sides (the rule of BERT's SQuAD windows).
/// </summary>
public sealed class TokenizedWords
{
    private readonly Feature[] _features;
    private readonly long _padId;

    /// <summary>One window: ids, segment ids, per-position word ids and first-sub-token flags, and its sentence.</summary>
    public sealed record Feature(int Example, int[] InputIds, int[] TokenTypeIds, int?[] WordIds, bool[] FirstSubToken);

    /// <summary>Tokenizes <paramref name="sentences"/> (lists of words) into windows of at most <paramref name="maxLength"/> tokens sharing <paramref name="stride"/>.</summary>
    /// <exception cref="TuneSharpException">The tokenizer has no pad token, or the stride does not fit the window.</exception>
    public TokenizedWords(TextTokenizer tokenizer, IReadOnlyList<IReadOnlyList<string>> sentences, int maxLength, int stride)
    {
        _padId = BatchPadding.PadIdOf(tokenizer, "training");
        var options = new EncodeOptions
        {
            MaxLength = maxLength, Truncation = TruncationStrategy.OnlyFirst, Padding = PaddingStrategy.DoNotPad,
            ReturnOverflowingTokens = true, Stride = stride,
        };
        var features = new List<Feature>();
        // word index -> (feature, position) of the position that predicts it; -1 when the word produced no token.
        Predictors = new (int Feature, int Position)[sentences.Count][];
        for (int s = 0; s < sentences.Count; s++)
        {
            var windows = tokenizer.EncodeWordsBatch([sentences[s]], null, options);
            if (windows.Count > 1) WindowedSentences++;
            Predictors[s] = Enumerable.Repeat((-1, -1), sentences[s].Count).ToArray();
            AddSentence(s, windows, stride, features);
        }
        _features = features.ToArray();
        Lengths = _features.Select(f => f.InputIds.Length).ToArray();
        WordsWithoutTokens = Predictors.Sum(p => p.Count(x => x.Feature < 0));
    }

    /// <summary>Number of features (windows).</summary>
    public int Count => _features.Length;

    /// <summary>Token count of each feature.</summary>
    public IReadOnlyList<int> Lengths { get; }

    /// <summary>The features.</summary>
    public IReadOnlyList<Feature> Features => _features;

    /// <summary>For each sentence and word, the feature and position whose logits predict the word (feature -1: no token).</summary>
    public (int Feature, int Position)[][] Predictors { get; }

    /// <summary>Sentences longer than max_length, split into several windows.</summary>
    public int WindowedSentences { get; }

    /// <summary>Words the tokenizer turned into no token at all (predicted as "O"; see the task).</summary>
    public int WordsWithoutTokens { get; }

    // Windows k cover tokens [k·(L − stride), …) of the sentence's token sequence (EncodeOptions.ReturnOverflowingTokens),
    // so a position's index in the whole sequence is known, and with it whether it starts its word.
    private void AddSentence(int sentence, IReadOnlyList<Encoding> windows, int stride, List<Feature> features)
    {
        var contentStarts = windows.Select(w => Array.FindIndex(w.SequenceIds, id => id == 0)).ToArray();
        var room = windows.Count > 1 ? windows[0].SequenceIds.Count(id => id == 0) : 0;
        var bestContext = new Dictionary<int, int>(); // word -> context of its current predictor
        for (int k = 0; k < windows.Count; k++)
        {
            var window = windows[k];
            var wordIds = window.WordIds ?? throw new InvalidOperationException("EncodeWords always fills word ids.");
            var content = window.SequenceIds.Count(id => id == 0);
            var first = new bool[window.Length];
            var previousWord = k == 0 ? null : PreviousWord(windows[k - 1], contentStarts[k - 1], room - stride);
            for (int t = 0; t < window.Length; t++)
            {
                if (wordIds[t] is not { } word) continue;
                var before = t == contentStarts[k] ? previousWord : wordIds[t - 1];
                first[t] = before != word;
                if (!first[t]) continue;
                var j = t - contentStarts[k];
                var context = Math.Min(j, content - 1 - j);
                if (!bestContext.TryGetValue(word, out var best) || context > best)
                {
                    bestContext[word] = context;
                    Predictors[sentence][word] = (features.Count, t);
                }
            }
            features.Add(new Feature(sentence, window.InputIds, window.TokenTypeIds, wordIds, first));
        }
    }

    // The word of the token just before window k's first content token: token (room − stride) − 1 of window k − 1's content.
    private static int? PreviousWord(Encoding previous, int contentStart, int step) =>
        step <= 0 ? null : previous.WordIds![contentStart + step - 1];

    /// <summary>
    /// int64 [B, T] ids (right-padded), attention mask, token types and labels (<paramref name="labels"/> per feature,
    /// padded with -100) for the features <paramref name="indices"/>. The caller disposes them (dispose scope).
    /// </summary>
    public (Tensor InputIds, Tensor AttentionMask, Tensor TokenTypeIds, Tensor? Labels) Batch(IReadOnlyList<int> indices, IReadOnlyList<long[]>? labels)
    {
        var rows = indices.Select(i => _features[i]).ToArray();
        var (ids, mask, types) = BatchPadding.RightPad(rows.Select(f => f.InputIds).ToArray(), rows.Select(f => f.TokenTypeIds).ToArray(), _padId);
        var targets = labels is null ? null
            : BatchPadding.PadLabels(indices.Select(i => labels[i]).ToArray(), (int)ids.shape[1], WordLabelAlignment.IgnoreIndex);
        return (ids, mask, types, targets);
    }

    /// <summary>Indices 0..Count-1 ordered by decreasing length (less padding when the order does not matter).</summary>
    public int[] ByDecreasingLength() => Enumerable.Range(0, Count).OrderByDescending(i => Lengths[i]).ToArray();
}
