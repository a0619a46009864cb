namespace TuneSharp.Inference;

/// <summary>Why a generation ended (transformers' finish reasons, plus the context window that stops it early).</summary>
public enum GenerationStopReason
{
    /// <summary>max_new_tokens were generated.</summary>
    MaxNewTokens,

    /// <summary>A stop (eos) token was generated; it is the last token returned.</summary>
    StopToken,

    /// <summary>
    /// Prompt and generated tokens filled the model's context window before max_new_tokens were reached; going on
    /// would feed the model positions it was never trained on.
    /// </summary>
    ContextWindow,

    /// <summary>The decoded continuation came to contain one of the stop_strings; the token completing it is the last returned.</summary>
    StopString,

    /// <summary>max_time seconds had passed when a token was produced; it is the last returned.</summary>
    MaxTime,
}

/// <summary>
/// What one generation did: the prompt as fitted to the context window, how many tokens came out, and why it
/// stopped. Read it from <see cref="TextGenerator.LastGeneration"/>; it is updated while the tokens are enumerated.
/// </summary>
public sealed class GenerationReport
{
    internal GenerationReport(PromptFit prompt) => Prompt = prompt;

    /// <summary>The prompt the generation started from (see <see cref="PromptFit.DroppedTokens"/> for a truncation).</summary>
    public PromptFit Prompt { get; }

    /// <summary>New tokens yielded so far.</summary>
    public int GeneratedTokens { get; internal set; }

    /// <summary>Why the generation ended; null while it runs, or when the caller stopped enumerating before the end.</summary>
    public GenerationStopReason? StopReason { get; internal set; }

    /// <summary>The stop string found in the continuation when <see cref="StopReason"/> is <see cref="GenerationStopReason.StopString"/>.</summary>
    public string? StopString { get; internal set; }
}
