using TuneSharp.Models;

namespace TuneSharp.Inference;

/// <summary>
/// How a prompt fits a model's context window for one generation: the prompt ids to use (shortened from the left
/// when <see cref="GenerationOptions.TruncatePrompt"/> asks for it) and how many new tokens the window leaves room
/// for. <see cref="For"/> needs only the model's config, so a caller can refuse an impossible request before it
/// loads any weights; <see cref="TextGenerator"/> applies the same rule to every generation.
/// </summary>
public sealed record PromptFit
{
    /// <summary>The prompt ids generation starts from: the given prompt, or its kept part when truncated.</summary>
    public required IReadOnlyList<int> Ids { get; init; }

    /// <summary>Tokens in the prompt as given.</summary>
    public required int OriginalLength { get; init; }

    /// <summary>Tokens dropped from the start of the prompt (0 unless <see cref="GenerationOptions.TruncatePrompt"/> was needed).</summary>
    public int DroppedTokens => OriginalLength - Ids.Count;

    /// <summary>True when truncation kept the prompt's leading BOS in front of its last tokens.</summary>
    public bool KeptBos { get; init; }

    /// <summary>The model's context window in tokens (<see cref="PretrainedConfig.MaxPositions"/>); null when unknown (no limit applied).</summary>
    public int? ContextLength { get; init; }

    /// <summary>The max_new_tokens asked for.</summary>
    public required int MaxNewTokens { get; init; }

    /// <summary>New tokens that fit in the window after the prompt: max_new_tokens, or fewer when the window ends first.</summary>
    public int NewTokenRoom => ContextLength is { } context ? Math.Clamp(context - Ids.Count, 0, MaxNewTokens) : MaxNewTokens;

    /// <summary>True when the window ends before max_new_tokens are generated (generation will stop there unless a stop token comes first).</summary>
    public bool StopsAtContext => NewTokenRoom < MaxNewTokens;

    /// <summary>
    /// Fits <paramref name="promptIds"/> and <paramref name="options"/> to the context window of the model described by
    /// <paramref name="config"/>. Prompt and new tokens together may use the whole window (as transformers' max_length
    /// counts them). When they do not fit: with truncate_prompt, the prompt keeps its last
    /// <c>context − max_new_tokens</c> tokens, and its first token too when that is the model's BOS (as a tokenizer
    /// truncating from the left adds BOS after truncation: Llama-style models expect it first); without it, the
    /// prompt is kept whole and <see cref="NewTokenRoom"/> says where generation will stop, unless the prompt
    /// alone fills the window, which is refused.
    /// </summary>
    /// <exception cref="TuneSharpException">
    /// an option is invalid (<see cref="GenerationOptions.Validate(PretrainedConfig)"/>), the prompt is empty, or it
    /// leaves no room for a new token and truncate_prompt is off. The message gives the prompt's token count and the context.
    /// </exception>
    public static PromptFit For(IReadOnlyList<int> promptIds, GenerationOptions options, PretrainedConfig config)
    {
        options.Validate(config);
        if (promptIds.Count == 0) throw new TuneSharpException("The prompt is empty: generation needs at least one token (e.g. BOS).");
        var maxNew = options.MaxNewTokens;
        IReadOnlyList<int> ids = promptIds.ToArray();
        var keptBos = false;
        if ((int?)config.MaxPositions is { } context && ids.Count + maxNew > context)
        {
            // Validate(config) guarantees maxNew <= context - 1, so at least one prompt token is kept.
            var keep = context - maxNew;
            if (options.TruncatePrompt && ids.Count > keep)
            {
                keptBos = config.BosTokenId is { } bos && ids[0] == bos;
                ids = KeepLast(ids, keep, keptBos);
            }
            else if (ids.Count >= context && maxNew > 0)
                throw new TuneSharpException(
                    $"The prompt has {ids.Count} tokens, but the model's context window is {context} tokens ({config.MaxPositionsSource} " +
                    $"in {config.Source}), so there is no room for a new token. Use a shorter prompt, or set truncate_prompt to keep " +
                    $"its last {keep} tokens (context {context} less max_new_tokens {maxNew}).") { Setting = "prompt" };
        }
        return new PromptFit
        {
            Ids = ids, OriginalLength = promptIds.Count, KeptBos = keptBos, ContextLength = config.MaxPositions, MaxNewTokens = maxNew,
        };
    }

    private static IReadOnlyList<int> KeepLast(IReadOnlyList<int> ids, int keep, bool keepBos)
    {
        var tail = keepBos ? keep - 1 : keep;
        var kept = new List<int>(keep);
        if (keepBos) kept.Add(ids[0]);
        for (var i = ids.Count - tail; i < ids.Count; i++) kept.Add(ids[i]);
        return kept;
    }
}
