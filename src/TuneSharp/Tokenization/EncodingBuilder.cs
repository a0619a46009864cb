namespace TuneSharp.Tokenization;

/// <summary>
/// Turns the model tokens of one text (or pair) into an unpadded <see cref="Encoding"/>: truncation to
/// <see cref="EncodeOptions.MaxLength"/>, then special tokens placed by the template.
/// </summary>
internal static class EncodingBuilder
{
    public static Encoding Build(TokenSequence a, TokenSequence? b, SpecialTokenTemplate template,
                                 EncodeOptions options, int index, int batchSize)
    {
        bool isPair = b is not null;
        int numSpecial = options.AddSpecialTokens ? template.NumSpecialTokens(isPair) : 0;
        int lengthA = a.Count, lengthB = b?.Count ?? 0;
        int truncated = 0;

        if (options.MaxLength is int maxLength && options.Truncation != TruncationStrategy.DoNotTruncate)
        {
            int excess = lengthA + lengthB + numSpecial - maxLength;
            if (excess > 0)
            {
                (lengthA, lengthB) = Truncate(lengthA, lengthB, isPair, excess, numSpecial, maxLength, options.Truncation, Where(index, batchSize));
                truncated = excess;
            }
        }
        return Assemble(a, 0, lengthA, b, 0, lengthB, template, options.AddSpecialTokens, truncated, index);
    }

    /// <summary>" (batch item i)" for error messages about one item of a batch of several.</summary>
    public static string Where(int index, int batchSize) => batchSize > 1 ? $" (batch item {index})" : "";

    /// <summary>
    /// An encoding of tokens [startA, startA + countA) of <paramref name="a"/> and [startB, startB + countB) of
    /// <paramref name="b"/>, with the template's special tokens (or none).
    /// </summary>
    public static Encoding Assemble(TokenSequence a, int startA, int countA, TokenSequence? b, int startB, int countB,
                                    SpecialTokenTemplate template, bool addSpecialTokens, int truncated, int sampleIndex)
    {
        bool isPair = b is not null;
        var pieces = addSpecialTokens
            ? (isPair ? template.Pair : template.Single)
            : NoSpecials(template, isPair);
        bool hasWordIds = a.WordIds is not null && (b is null || b.WordIds is not null);

        var list = new List<(int Id, string Tok, int Type, (int, int) Offset, bool Special, int? Seq, int? Word)>(
            countA + countB + template.NumSpecialTokens(isPair));
        foreach (var piece in pieces)
        {
            if (piece.SpecialToken is not null)
            {
                list.Add((piece.SpecialTokenId, piece.SpecialToken, piece.TypeId, (0, 0), true, null, null));
                continue;
            }
            var (sequence, start, count) = piece.Sequence == 0 ? (a, startA, countA) : (b!, startB, countB);
            for (int t = start; t < start + count; t++)
            {
                var token = sequence.Tokens[t];
                list.Add((token.Id, token.Value, piece.TypeId, (token.Start, token.End), false, piece.Sequence, sequence.WordIds?[t]));
            }
        }

        return new Encoding
        {
            InputIds = list.Select(x => x.Id).ToArray(),
            AttentionMask = Enumerable.Repeat(1, list.Count).ToArray(),
            TokenTypeIds = list.Select(x => x.Type).ToArray(),
            Offsets = list.Select(x => x.Offset).ToArray(),
            SpecialTokensMask = list.Select(x => x.Special).ToArray(),
            SequenceIds = list.Select(x => x.Seq).ToArray(),
            Tokens = list.Select(x => x.Tok).ToArray(),
            WordIds = hasWordIds ? list.Select(x => x.Word).ToArray() : null,
            NumTruncatedTokens = truncated,
            OverflowToSampleMapping = sampleIndex,
        };
    }

    /// <summary>Without special tokens the sequences follow each other, keeping the type ids the template gives them.</summary>
    private static IEnumerable<TemplatePiece> NoSpecials(SpecialTokenTemplate template, bool isPair)
    {
        var placeholders = (isPair ? template.Pair : template.Single).Where(p => p.SpecialToken is null).ToList();
        return placeholders.Count > 0 ? placeholders
            : isPair ? new[] { TemplatePiece.SequenceA(), TemplatePiece.SequenceB() } : new[] { TemplatePiece.SequenceA() };
    }

    /// <summary>New lengths of sequence A and B after removing <paramref name="excess"/> tokens from their ends.</summary>
    private static (int A, int B) Truncate(int lengthA, int lengthB, bool isPair, int excess, int numSpecial,
                                           int maxLength, TruncationStrategy strategy, string where)
    {
        if (numSpecial > maxLength)
            throw new TuneSharpException(
                $"MaxLength {maxLength} is too small{where}: the special tokens alone take {numSpecial} positions.");

        switch (strategy)
        {
            case TruncationStrategy.LongestFirst:
                if (excess > lengthA + lengthB)
                    throw new TuneSharpException($"Cannot truncate to MaxLength {maxLength}{where}.");
                // One token at a time from the longer sequence; on a tie the second loses one first. This is
                // Hugging Face's (slow and fast) longest_first, e.g. 10+10 tokens cut to 15 keeps 8+7.
                for (int i = 0; i < excess; i++)
                {
                    if (!isPair || lengthA > lengthB) lengthA--;
                    else lengthB--;
                }
                return (lengthA, lengthB);

            case TruncationStrategy.OnlyFirst:
                if (excess > lengthA)
                    throw new TuneSharpException(
                        $"Cannot truncate with OnlyFirst{where}: {excess} tokens must be removed to fit MaxLength {maxLength}, " +
                        $"but the first sequence has only {lengthA} (the second has {lengthB}). Use LongestFirst or a larger MaxLength.");
                return (lengthA - excess, lengthB);

            case TruncationStrategy.OnlySecond:
                if (!isPair)
                    throw new TuneSharpException(
                        $"Cannot truncate with OnlySecond{where}: the input is a single text of {lengthA} tokens, longer than MaxLength {maxLength}, " +
                        "and there is no second sequence to shorten. Use LongestFirst or OnlyFirst.");
                if (excess > lengthB)
                    throw new TuneSharpException(
                        $"Cannot truncate with OnlySecond{where}: {excess} tokens must be removed to fit MaxLength {maxLength}, " +
                        $"but the second sequence has only {lengthB} (the first has {lengthA}). Use LongestFirst or a larger MaxLength.");
                return (lengthA, lengthB - excess);

            default:
                return (lengthA, lengthB);
        }
    }
}
