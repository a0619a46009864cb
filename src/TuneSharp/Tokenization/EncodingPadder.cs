namespace TuneSharp.Tokenization;

/// <summary>Pads the encodings of a batch to a common length (or to MaxLength) on the requested side.</summary>
internal static class EncodingPadder
{
    public static IReadOnlyList<Encoding> Pad(Encoding[] encodings, EncodeOptions options, SpecialTokens specials, string kind)
    {
        if (options.Padding == PaddingStrategy.DoNotPad || encodings.Length == 0) return encodings;

        int target = options.Padding switch
        {
            PaddingStrategy.MaxLength => options.MaxLength
                ?? throw new TuneSharpException("Padding MaxLength needs EncodeOptions.MaxLength to be set."),
            _ => encodings.Max(e => e.Length),
        };
        if (options.PadToMultipleOf is int multiple)
        {
            if (multiple <= 0) throw new TuneSharpException($"PadToMultipleOf must be positive, got {multiple}.");
            target = (target + multiple - 1) / multiple * multiple;
        }

        if (encodings.All(e => e.Length >= target)) return encodings;
        if (specials.PadId is not int padId)
            throw new TuneSharpException(
                $"Padding was requested but this {kind} tokenizer has no pad token. Set one first, e.g. " +
                "tokenizer.SetPadToken(tokenizer.SpecialTokens.Eos) for decoder models, or add \"pad_token\" to tokenizer_config.json.");
        string padToken = specials.Pad ?? "";

        return encodings.Select(e => e.Length >= target ? e : PadOne(e, target - e.Length, padId, padToken, options.PaddingSide)).ToArray();
    }

    private static Encoding PadOne(Encoding e, int count, int padId, string padToken, PaddingSide side)
    {
        T[] Extend<T>(T[] values, T pad)
        {
            var padding = Enumerable.Repeat(pad, count);
            return (side == PaddingSide.Left ? padding.Concat(values) : values.Concat(padding)).ToArray();
        }

        return new Encoding
        {
            InputIds = Extend(e.InputIds, padId),
            AttentionMask = Extend(e.AttentionMask, 0),
            TokenTypeIds = Extend(e.TokenTypeIds, 0), // HF's pad_token_type_id is 0
            Offsets = Extend(e.Offsets, (0, 0)),
            SpecialTokensMask = Extend(e.SpecialTokensMask, true),
            SequenceIds = Extend(e.SequenceIds, (int?)null),
            Tokens = Extend(e.Tokens, padToken),
            WordIds = e.WordIds is null ? null : Extend(e.WordIds, (int?)null),
            NumTruncatedTokens = e.NumTruncatedTokens,
            OverflowToSampleMapping = e.OverflowToSampleMapping,
        };
    }
}
