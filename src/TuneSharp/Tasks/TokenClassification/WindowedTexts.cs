using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.TokenClassification;

/// <summary>
/// Plain texts tokenized once for prediction: one window per text, or, for a text longer than max_length, windows
/// overlapping by <c>stride</c> tokens (never a cut), and for every token of the text the one window position whose
/// logits predict it: the window in which the token has the most context on both sides (the first such window on a
/// tie), the rule <see cref="TokenizedWords"/> applies to words.
/// </summary>
internal sealed class WindowedTexts
{
    private readonly Window[] _windows;
    private readonly long _padId;

    /// <summary>One window: its text, ids and segment ids.</summary>
    internal sealed record Window(int Text, int[] InputIds, int[] TokenTypeIds);

    /// <summary>
    /// One token of a text: the window and position that predict it, its position in the whole text's encoding
    /// (<see cref="PreEntity.Index"/>), its character span and whether it continues the previous token's word.
    /// </summary>
    internal sealed record TextToken(int Window, int Position, int Index, int Start, int End, bool IsSubword);

    public WindowedTexts(TextTokenizer tokenizer, IReadOnlyList<string> texts, int maxLength, int stride)
    {
        _padId = BatchPadding.PadIdOf(tokenizer, "predicting");
        var options = new EncodeOptions
        {
            MaxLength = maxLength, Truncation = TruncationStrategy.OnlyFirst, Padding = PaddingStrategy.DoNotPad,
            ReturnOverflowingTokens = true, Stride = stride,
        };
        var windows = new List<Window>();
        Tokens = new TextToken[texts.Count][];
        for (int i = 0; i < texts.Count; i++)
        {
            var text = texts[i] ?? throw new ArgumentNullException(nameof(texts), $"texts[{i}] is null.");
            var encodings = tokenizer.EncodeBatch([text], null, options);
            if (encodings.Count > 1) WindowedTextCount++;
            Tokens[i] = AddText(i, text, encodings, stride, tokenizer.SpecialTokens.UnkId, windows);
        }
        _windows = windows.ToArray();
        Lengths = _windows.Select(w => w.InputIds.Length).ToArray();
    }

    /// <summary>The windows of all texts, text after text.</summary>
    public IReadOnlyList<Window> Windows => _windows;

    /// <summary>Token count of each window.</summary>
    public IReadOnlyList<int> Lengths { get; }

    /// <summary>For each text, its tokens in text order (special tokens left out).</summary>
    public TextToken[][] Tokens { get; }

    /// <summary>Texts longer than max_length, split into several windows.</summary>
    public int WindowedTextCount { get; }

    // Window k holds tokens [k·(L − stride), …) of the text's token sequence (EncodeOptions.ReturnOverflowingTokens), so
    // a window position's token index in the whole text is known: its word id and span are the same in every window
    // that holds it, only its context differs.
    private static TextToken[] AddText(int text, string content, IReadOnlyList<Encoding> encodings, int stride, int? unkId, List<Window> windows)
    {
        var starts = encodings.Select(e => Array.FindIndex(e.SequenceIds, id => id == 0)).ToArray();
        var counts = encodings.Select(e => e.SequenceIds.Count(id => id == 0)).ToArray();
        var step = encodings.Count > 1 ? counts[0] - stride : 0;
        var total = encodings.Count == 1 ? counts[0] : (encodings.Count - 1) * step + counts[^1];
        var predictor = new (int Window, int Position, int Context)[total];
        Array.Fill(predictor, (-1, -1, -1));
        var spans = new (int Start, int End)[total];
        var wordIds = new int?[total];
        var ids = new int[total];
        var hasWordIds = encodings.All(e => e.WordIds is not null);
        for (int k = 0; k < encodings.Count; k++)
        {
            var encoding = encodings[k];
            for (int j = 0; j < counts[k]; j++)
            {
                var position = starts[k] + j;
                var token = k * step + j;
                var context = Math.Min(j, counts[k] - 1 - j);
                if (context <= predictor[token].Context) continue;
                predictor[token] = (windows.Count, position, context);
                spans[token] = encoding.Offsets[position];
                wordIds[token] = encoding.WordIds?[position];
                ids[token] = encoding.InputIds[position];
            }
            windows.Add(new Window(text, encoding.InputIds, encoding.TokenTypeIds));
        }
        // The index a token has in the whole text's encoding: after the special tokens in front of the text.
        var leading = total > 0 ? starts[0] : 0;
        var tokens = new TextToken[total];
        for (int t = 0; t < total; t++)
        {
            var subword = hasWordIds
                ? t > 0 && wordIds[t] is { } word && wordIds[t - 1] == word
                : ids[t] != unkId && ContinuesWord(content, spans[t].Start);
            tokens[t] = new TextToken(predictor[t].Window, predictor[t].Position, leading + t, spans[t].Start, spans[t].End, subword);
        }
        return tokens;
    }

    // transformers' rule for tokenizers that do not know words: the token touches the character before it, and neither is
    // white space.
    private static bool ContinuesWord(string text, int start) =>
        start > 0 && !char.IsWhiteSpace(text[start - 1]) && (start >= text.Length || !char.IsWhiteSpace(text[start]));

    /// <summary>int64 [B, T] ids (right-padded), attention mask and token types for the windows <paramref name="indices"/>.</summary>
    public (Tensor InputIds, Tensor AttentionMask, Tensor TokenTypeIds) Batch(IReadOnlyList<int> indices) =>
        BatchPadding.RightPad(indices.Select(i => _windows[i].InputIds).ToArray(), indices.Select(i => _windows[i].TokenTypeIds).ToArray(), _padId);
}
