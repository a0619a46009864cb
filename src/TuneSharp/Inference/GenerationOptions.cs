using TuneSharp.Models;

namespace TuneSharp.Inference;

/// <summary>
/// How <see cref="TextGenerator"/> picks tokens. Defaults: greedy, 64 new tokens, KV cache on, stop at the
/// model's eos token(s). With <see cref="DoSample"/>, logits are divided by <see cref="Temperature"/>, then
/// filtered by <see cref="TopK"/> and <see cref="TopP"/> (in that order, as transformers does), then sampled.
/// </summary>
/// <remarks>
/// Error messages name options by their Hugging Face names (transformers' <c>GenerationConfig</c>: max_new_tokens,
/// do_sample, temperature, top_k, top_p), which callers such as the CLI map to their own spelling.
/// </remarks>
public sealed record GenerationOptions
{
    /// <summary>Most tokens to generate after the prompt (<c>max_new_tokens</c>).</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Sample from the distribution instead of taking the most likely token (greedy) (<c>do_sample</c>).</summary>
    public bool DoSample { get; init; }

    /// <summary>Softmax temperature (&gt; 0) when sampling: below 1 sharpens, above 1 flattens (<c>temperature</c>).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep only the k most likely tokens when sampling; 0 turns the filter off (<c>top_k</c>).</summary>
    public int TopK { get; init; }

    /// <summary>Nucleus sampling: keep the smallest set of most likely tokens whose probability sums to at least p (1 = off) (<c>top_p</c>).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Seed of the sampling random generator; the same seed gives the same tokens. Null = random.</summary>
    public long? Seed { get; init; }

    /// <summary>Reuse keys/values of earlier tokens (fast). Off recomputes the whole sequence each step (reference/benchmark).</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>Generation stops after producing one of these ids (it is still returned). Null = the config's eos ids.</summary>
    public IReadOnlyList<int>? StopTokenIds { get; init; }

    /// <summary>
    /// (<c>truncate_prompt</c>) When the prompt and <see cref="MaxNewTokens"/> together exceed the model's context
    /// window, drop tokens from the start of the prompt (transformers' <c>truncation_side="left"</c>) so that
    /// <c>context − max_new_tokens</c> prompt tokens remain, a leading BOS included. Off (the default), such a prompt
    /// is used whole and generation stops at the window, and a prompt that leaves no room for a new token is refused.
    /// See <see cref="PromptFit"/>.
    /// </summary>
    public bool TruncatePrompt { get; init; }

    /// <summary>
    /// (<c>repetition_penalty</c>, &gt; 0; 1 = off) For every token id already in the sequence, the prompt included, a
    /// negative score is multiplied by it and a positive one divided by it (transformers' RepetitionPenaltyLogitsProcessor),
    /// before temperature, top-k and top-p. Above 1 discourages repeats. In a batch only a row's own real tokens count,
    /// not the left padding.
    /// </summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary>
    /// (<c>stop_strings</c>) Generation stops once the decoded continuation contains one of these strings; the token that
    /// completes it is still returned (as transformers' StopStringCriteria stops after that token). Needs a tokenizer.
    /// </summary>
    public IReadOnlyList<string>? StopStrings { get; init; }

    /// <summary>
    /// (<c>max_time</c>, seconds, &gt; 0) Generation stops after the first token produced once this much time has passed
    /// since it started (transformers' MaxTimeCriteria). Null = no limit.
    /// </summary>
    public double? MaxTime { get; init; }

    /// <summary>
    /// (<c>num_beams</c>) 1 = greedy or sampling; above 1 = beam search without sampling, as transformers'
    /// <c>generate(num_beams=N, do_sample=False)</c>: the N best partial sequences by summed log-probability are kept each
    /// step, and the best finished one is returned (not streamed: it is only known at the end).
    /// </summary>
    public int NumBeams { get; init; } = 1;

    /// <summary>
    /// (<c>length_penalty</c>) Beam search ranks a finished sequence by summed log-probability / (new tokens ^ length_penalty):
    /// above 0 favours longer sequences, below 0 shorter ones.
    /// </summary>
    public double LengthPenalty { get; init; } = 1.0;

    /// <summary>
    /// (<c>early_stopping</c>) Beam search stops as soon as num_beams sequences are finished (true), or (false, the
    /// default) when no running beam can still beat the worst finished one, judged at the current length as transformers does.
    /// </summary>
    public bool EarlyStopping { get; init; }

    /// <summary>
    /// Checks the values that need no model (ranges of max_new_tokens, temperature, top_k, top_p, repetition_penalty,
    /// max_time, num_beams, length_penalty; stop_strings not empty; num_beams with do_sample or stop_strings); the message names
    /// the offending option. Cheap, so callers run it before loading anything.
    /// </summary>
    /// <exception cref="TuneSharpException">an option is out of range.</exception>
    public void Validate()
    {
        if (MaxNewTokens < 0) throw new TuneSharpException($"max_new_tokens must be >= 0, got {MaxNewTokens}.") { Setting = "max_new_tokens" };
        // NaN, infinite or negative temperatures are meaningless whether or not sampling is on; 0 only with greedy decoding.
        if (!double.IsFinite(Temperature) || Temperature < 0)
            throw new TuneSharpException($"temperature must be a finite number >= 0 (> 0 when sampling), got {Temperature}.") { Setting = "temperature" };
        if (DoSample && Temperature == 0)
            throw new TuneSharpException("temperature must be > 0 when sampling, got 0 (for temperature 0 use greedy decoding: do_sample off).") { Setting = "temperature" };
        if (TopK < 0) throw new TuneSharpException($"top_k must be >= 0 (0 = off), got {TopK}.") { Setting = "top_k" };
        if (!(TopP > 0 && TopP <= 1)) throw new TuneSharpException($"top_p must be in (0, 1], got {TopP}.") { Setting = "top_p" };
        if (!double.IsFinite(RepetitionPenalty) || RepetitionPenalty <= 0)
            throw new TuneSharpException($"repetition_penalty must be a finite number > 0 (1 = off), got {RepetitionPenalty}.") { Setting = "repetition_penalty" };
        if (StopStrings is { } stops && stops.Any(string.IsNullOrEmpty))
            throw new TuneSharpException("stop_strings must not contain an empty string (it would stop before the first token).") { Setting = "stop_strings" };
        if (MaxTime is { } seconds && !(double.IsFinite(seconds) && seconds > 0))
            throw new TuneSharpException($"max_time must be a finite number of seconds > 0, got {seconds}.") { Setting = "max_time" };
        if (NumBeams < 1) throw new TuneSharpException($"num_beams must be >= 1 (1 = no beam search), got {NumBeams}.") { Setting = "num_beams" };
        if (!double.IsFinite(LengthPenalty))
            throw new TuneSharpException($"length_penalty must be a finite number, got {LengthPenalty}.") { Setting = "length_penalty" };
        if (NumBeams > 1 && DoSample)
            throw new TuneSharpException($"num_beams is {NumBeams}, but beam search here is deterministic: turn do_sample off, or use num_beams 1 to sample.") { Setting = "num_beams" };
        if (NumBeams > 1 && StopStrings is { Count: > 0 })
            throw new TuneSharpException($"stop_strings cannot be combined with num_beams {NumBeams}: beam search returns its best finished sequence at the end; use num_beams 1.") { Setting = "stop_strings" };
    }

    /// <summary>
    /// <see cref="Validate()"/>, and max_new_tokens against the model's context window: a prompt has at least one token
    /// (BOS), so more than <c>context − 1</c> new tokens can never all be generated and are refused here, from
    /// config.json alone, before any weights are loaded.
    /// </summary>
    /// <exception cref="TuneSharpException">an option is out of range or cannot fit the model's context window.</exception>
    public void Validate(PretrainedConfig config)
    {
        Validate();
        if ((int?)config.MaxPositions is { } context && MaxNewTokens > context - 1)
            throw new TuneSharpException(
                $"max_new_tokens is {MaxNewTokens}, but the model's context window ({config.MaxPositionsSource} in {config.Source}) is " +
                $"{context} tokens for the prompt and the new tokens together, so at most {Math.Max(0, context - 1)} new tokens can " +
                "follow even a one-token prompt; lower max_new_tokens.") { Setting = "max_new_tokens" };
    }
}
