namespace TuneSharp.Tokenization;

/// <summary>
/// Cuts an input longer than <see cref="EncodeOptions.MaxLength"/> into overlapping windows
/// (<see cref="EncodeOptions.ReturnOverflowingTokens"/>), as the Hugging Face fast tokenizers' truncation with a
/// stride does: one sequence is windowed, the other (of a pair) is repeated in every window.
/// </summary>
internal static class EncodingWindows
{
    public static List<Encoding> Build(TokenSequence a, TokenSequence? b, SpecialTokenTemplate template,
                                       EncodeOptions options, int index, int batchSize)
    {
        bool isPair = b is not null;
        int numSpecial = options.AddSpecialTokens ? template.NumSpecialTokens(isPair) : 0;
        int lengthA = a.Count, lengthB = b?.Count ?? 0;
        string where = EncodingBuilder.Where(index, batchSize);

        if (isPair && options.Truncation == TruncationStrategy.LongestFirst)
            throw new TuneSharpException(
                $"ReturnOverflowingTokens (return_overflowing_tokens) cannot window a pair with Truncation LongestFirst{where}: " +
                "it would be unclear which sequence to cut. Use OnlySecond (question answering: the question is repeated and the " +
                "context windowed) or OnlyFirst; transformers refuses longest_first here too.");

        if (options.MaxLength is not int maxLength || options.Truncation == TruncationStrategy.DoNotTruncate
            || lengthA + lengthB + numSpecial <= maxLength)
            return [EncodingBuilder.Assemble(a, 0, lengthA, b, 0, lengthB, template, options.AddSpecialTokens, 0, index)];

        if (numSpecial > maxLength)
            throw new TuneSharpException(
                $"MaxLength {maxLength} is too small{where}: the special tokens alone take {numSpecial} positions.");
        if (!isPair && options.Truncation == TruncationStrategy.OnlySecond)
            throw new TuneSharpException(
                $"Cannot truncate with OnlySecond{where}: the input is a single text of {lengthA} tokens, longer than MaxLength {maxLength}, " +
                "and there is no second sequence to cut into windows. Use LongestFirst or OnlyFirst.");

        bool windowSecond = options.Truncation == TruncationStrategy.OnlySecond;
        int total = windowSecond ? lengthB : lengthA;
        int kept = windowSecond ? lengthA : lengthB;
        int room = maxLength - numSpecial - kept;
        if (room <= 0)
            throw new TuneSharpException(
                $"Cannot cut the {(windowSecond ? "second" : "first")} sequence into windows{where}: max_length (MaxLength) {maxLength} " +
                $"leaves no room for it after {numSpecial} special tokens and the {kept} tokens of the {(windowSecond ? "first" : "second")} " +
                "sequence, which is repeated in every window. Use a larger MaxLength or shorten that sequence.");
        if (options.Stride >= room)
            throw new TuneSharpException(
                $"stride (EncodeOptions.Stride) {options.Stride} must be smaller than the room a window has for the windowed sequence{where}: " +
                $"max_length (MaxLength) {maxLength} minus {numSpecial} special tokens" +
                (isPair ? $" minus the {kept} tokens of the repeated {(windowSecond ? "first" : "second")} sequence" : "") +
                $" leaves {room}. Use a smaller stride or a larger max_length.");

        // The fast tokenizers' rule: windows start every room − stride tokens and stop at the first that reaches the end.
        var windows = new List<Encoding>();
        int step = room - options.Stride;
        for (int start = 0; ; start += step)
        {
            int stop = Math.Min(start + room, total);
            windows.Add(windowSecond
                ? EncodingBuilder.Assemble(a, 0, lengthA, b, start, stop - start, template, options.AddSpecialTokens, total - (stop - start), index)
                : EncodingBuilder.Assemble(a, start, stop - start, b, 0, lengthB, template, options.AddSpecialTokens, total - (stop - start), index));
            if (stop == total) return windows;
        }
    }
}
