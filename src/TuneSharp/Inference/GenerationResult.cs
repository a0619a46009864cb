namespace TuneSharp.Inference;

/// <summary>One prompt's outcome in <see cref="TextGenerator.GenerateBatch"/>: its new tokens and why they ended.</summary>
public sealed record GenerationResult
{
    /// <summary>The prompt as fitted to the context window.</summary>
    public required PromptFit Prompt { get; init; }

    /// <summary>The generated ids (a stop token that ended the row included; no padding).</summary>
    public required IReadOnlyList<int> Tokens { get; init; }

    /// <summary>Why this row ended.</summary>
    public required GenerationStopReason StopReason { get; init; }

    /// <summary>The stop string found, when <see cref="StopReason"/> is <see cref="GenerationStopReason.StopString"/>.</summary>
    public string? StopString { get; init; }
}
