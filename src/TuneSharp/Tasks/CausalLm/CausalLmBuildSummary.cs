namespace TuneSharp.Tasks.CausalLm;

/// <summary>What <see cref="CausalLmExampleBuilder"/> made of a dataset, for the recipe to report.</summary>
public sealed record CausalLmBuildSummary
{
    /// <summary>Whether the rows were conversations (else documents).</summary>
    public required bool Conversational { get; init; }

    /// <summary>Documents or conversations read.</summary>
    public required int Rows { get; init; }

    /// <summary>Training sequences made.</summary>
    public required int Examples { get; init; }

    /// <summary>Tokens in the training sequences.</summary>
    public required long Tokens { get; init; }

    /// <summary>Tokens whose prediction is trained (<see cref="CausalLmExample.TrainedTokens"/>, summed).</summary>
    public required long TrainedTokens { get; init; }

    /// <summary>Conversations: the <see cref="CausalLmExampleOptions.MaxLength"/> applied.</summary>
    public int? MaxLength { get; init; }

    /// <summary>Conversations longer than <see cref="MaxLength"/>, cut on the right.</summary>
    public int Truncated { get; init; }

    /// <summary>Tokens cut off those conversations.</summary>
    public long TruncatedTokens { get; init; }

    /// <summary>Conversations left without any trained token (no assistant turn, or all of it cut), dropped.</summary>
    public int DroppedWithoutTrainedTokens { get; init; }

    /// <summary>Documents: the <see cref="CausalLmExampleOptions.BlockSize"/> applied.</summary>
    public int? BlockSize { get; init; }

    /// <summary>Documents: tokens of the concatenated stream after the last full block, dropped as run_clm drops them.</summary>
    public long DroppedTailTokens { get; init; }

    /// <summary>
    /// "312 of 5,000 conversations were longer than 512 tokens and were cut (41,233 tokens dropped); 3 had no assistant
    /// token left and were dropped", or "5,000 documents: 1,234,567 tokens in 1,205 blocks of 1,024 tokens (the last 567
    /// tokens, less than a block, were dropped)".
    /// </summary>
    public override string ToString()
    {
        if (!Conversational)
        {
            var text = $"{Rows:N0} document{S(Rows)}: {Tokens:N0} tokens in {Examples:N0} block{S(Examples)} of {BlockSize:N0} tokens";
            return DroppedTailTokens > 0 ? text + $" (the last {DroppedTailTokens:N0} token{S(DroppedTailTokens)}, less than a block, were dropped)" : text;
        }
        var cut = MaxLength is null ? $"{Rows:N0} conversation{S(Rows)}, none cut (no max_length)"
            : Truncated == 0 ? $"none of {Rows:N0} conversation{S(Rows)} was longer than {MaxLength:N0} tokens"
            : $"{Truncated:N0} of {Rows:N0} conversation{S(Rows)} {(Truncated == 1 ? "was" : "were")} longer than {MaxLength:N0} tokens and {(Truncated == 1 ? "was" : "were")} cut ({TruncatedTokens:N0} token{S(TruncatedTokens)} dropped)";
        return DroppedWithoutTrainedTokens == 0 ? cut
            : cut + $"; {DroppedWithoutTrainedTokens:N0} had no assistant token left and {(DroppedWithoutTrainedTokens == 1 ? "was" : "were")} dropped";
    }

    private static string S(long n) => n == 1 ? "" : "s";
}
