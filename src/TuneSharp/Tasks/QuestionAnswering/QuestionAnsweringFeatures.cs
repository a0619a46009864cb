using TuneSharp.Data;
using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.QuestionAnswering;

/// <summary>
/// Questions and contexts tokenized once into features, as transformers' <c>run_qa.py</c> prepares them: the question
/// first (leading white space removed) and the context after it, only the context truncated, a context longer than the
/// window cut into windows that overlap by <c>doc_stride</c> tokens; for every window the character span of each context
/// token in the context (null for question, special and padding tokens), and for training the answer's start and end
/// token, or the CLS position where the answer is not wholly inside the window (and for questions without an answer).
/// </summary>
public sealed class QuestionAnsweringFeatures
{
    private readonly Feature[] _features;
    private readonly long _padId;

    /// <summary>
    /// One window: its example, ids, segment ids, the context span of each position (null outside the context), the CLS
    /// position, and the answer's start and end positions (the CLS position when the answer is not in the window).
    /// </summary>
    public sealed record Feature(int Example, int[] InputIds, int[] TokenTypeIds, (int Start, int End)?[] ContextOffsets,
        int ClsIndex, int StartPosition, int EndPosition);

    /// <summary>Tokenizes <paramref name="examples"/> into windows of at most <paramref name="maxLength"/> tokens sharing <paramref name="docStride"/> context tokens.</summary>
    /// <exception cref="TuneSharpException">The tokenizer has no pad token, or a question leaves no room for a window
    /// larger than the stride (the message names the example and the settings to change).</exception>
    public QuestionAnsweringFeatures(TextTokenizer tokenizer, IReadOnlyList<QuestionAnsweringExample> examples, int maxLength, int docStride)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(examples);
        _padId = BatchPadding.PadIdOf(tokenizer, "training");
        var options = new EncodeOptions
        {
            MaxLength = maxLength, Truncation = TruncationStrategy.OnlySecond, Padding = PaddingStrategy.DoNotPad,
            ReturnOverflowingTokens = true, Stride = docStride,
        };
        var features = new List<Feature>();
        for (int i = 0; i < examples.Count; i++)
        {
            var example = examples[i];
            IReadOnlyList<Encoding> windows;
            try
            {
                windows = tokenizer.EncodeBatch([example.Question.TrimStart()], [example.Context], options);
            }
            catch (TuneSharpException e)
            {
                throw new TuneSharpException(
                    $"Question '{TextExcerpt.Of(example.Id, 60)}' (at {example.Line}) cannot be cut into windows with max_length {maxLength} and doc_stride {docStride}: " +
                    $"{e.Message} Shorten the question, or raise max_length or lower doc_stride.", e) { Setting = "doc_stride" };
            }
            if (windows.Count > 1) WindowedExamples++;
            foreach (var window in windows) features.Add(Build(i, example, window, tokenizer.SpecialTokens.ClsId));
        }
        _features = features.ToArray();
        Lengths = _features.Select(f => f.InputIds.Length).ToArray();
    }

    /// <summary>
    /// Features built elsewhere (another tokenizer's windows, a fixture), padded with <paramref name="padId"/> in batches;
    /// <see cref="WindowedExamples"/> counts the examples with more than one.
    /// </summary>
    /// <exception cref="ArgumentException">A feature's arrays differ in length.</exception>
    public QuestionAnsweringFeatures(IReadOnlyList<Feature> features, long padId)
    {
        ArgumentNullException.ThrowIfNull(features);
        foreach (var f in features)
            if (f.TokenTypeIds.Length != f.InputIds.Length || f.ContextOffsets.Length != f.InputIds.Length)
                throw new ArgumentException($"A feature of example {f.Example} has {f.InputIds.Length} ids, {f.TokenTypeIds.Length} segment ids and {f.ContextOffsets.Length} offsets; they must match.", nameof(features));
        _features = [.. features];
        _padId = padId;
        Lengths = _features.Select(f => f.InputIds.Length).ToArray();
        WindowedExamples = _features.GroupBy(f => f.Example).Count(g => g.Count() > 1);
    }

    /// <summary>Number of features (windows).</summary>
    public int Count => _features.Length;

    /// <summary>The features, example after example.</summary>
    public IReadOnlyList<Feature> Features => _features;

    /// <summary>Token count of each feature.</summary>
    public IReadOnlyList<int> Lengths { get; }

    /// <summary>Examples whose context needed more than one window.</summary>
    public int WindowedExamples { get; }

    // run_qa.py's labelling: find the window's context token range; if the answer is not wholly inside it, label the CLS
    // position; else move the start to the last token starting at or before the answer's start, and the end to the first
    // token ending at or after the answer's end. The start search stops at the last context token: run_qa.py's runs on
    // into [SEP] and padding (whose offsets (0, 0) also start "before" the answer), which labels an answer that starts in a
    // window's last context token at the window's last position instead.
    private static Feature Build(int exampleIndex, QuestionAnsweringExample example, Encoding window, int? clsId)
    {
        var offsets = new (int, int)?[window.Length];
        int first = -1, last = -1;
        for (int t = 0; t < window.Length; t++)
        {
            if (window.SequenceIds[t] != 1) continue;
            offsets[t] = window.Offsets[t];
            if (first < 0) first = t;
            last = t;
        }
        var cls = clsId is { } id ? Math.Max(0, Array.IndexOf(window.InputIds, id)) : 0;
        int start = cls, end = cls;
        if (example.Answers.Count > 0 && first >= 0)
        {
            var answer = example.Answers[0];
            if (window.Offsets[first].Start <= answer.Start && window.Offsets[last].End >= answer.End)
            {
                start = first;
                while (start <= last && window.Offsets[start].Start <= answer.Start) start++;
                start--;
                end = last;
                while (end >= first && window.Offsets[end].End >= answer.End) end--;
                end++;
            }
        }
        return new Feature(exampleIndex, window.InputIds, window.TokenTypeIds, offsets, cls, start, end);
    }

    /// <summary>
    /// int64 [B, T] ids (right-padded), attention mask and token types for the features <paramref name="indices"/>, and
    /// with <paramref name="withPositions"/> the int64 [B] start and end positions. The caller disposes them (dispose scope).
    /// </summary>
    public (Tensor InputIds, Tensor AttentionMask, Tensor TokenTypeIds, Tensor? StartPositions, Tensor? EndPositions) Batch(IReadOnlyList<int> indices, bool withPositions)
    {
        var rows = indices.Select(i => _features[i]).ToArray();
        var (ids, mask, types) = BatchPadding.RightPad(rows.Select(f => f.InputIds).ToArray(), rows.Select(f => f.TokenTypeIds).ToArray(), _padId);
        if (!withPositions) return (ids, mask, types, null, null);
        return (ids, mask, types, tensor(rows.Select(f => (long)f.StartPosition).ToArray(), ScalarType.Int64),
            tensor(rows.Select(f => (long)f.EndPosition).ToArray(), ScalarType.Int64));
    }

    /// <summary>Indices 0..Count-1 ordered by decreasing length (less padding when the order does not matter).</summary>
    public int[] ByDecreasingLength() => Enumerable.Range(0, Count).OrderByDescending(i => Lengths[i]).ToArray();
}
