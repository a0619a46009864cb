namespace TuneSharp.Inference;

/// <summary>
/// How <see cref="TextGenerator"/> picks tokens. Defaults: greedy, 64 new tokens, KV cache on, stop at the
/// model's eos token(s). With <see cref="DoSample"/>, logits are divided by <see cref="Temperature"/>, then
/// filtered by <see cref="TopK"/> and <see cref="TopP"/> (in that order, as transformers does), then sampled.
/// </summary>
public sealed record GenerationOptions
{
    /// <summary>Most tokens to generate after the prompt.</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Sample from the distribution instead of taking the most likely token (greedy).</summary>
    public bool DoSample { get; init; }

    /// <summary>Softmax temperature (&gt; 0) when sampling: below 1 sharpens, above 1 flattens.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep only the k most likely tokens when sampling; 0 turns the filter off.</summary>
    public int TopK { get; init; }

    /// <summary>Nucleus sampling: keep the smallest set of most likely tokens whose probability sums to at least p (1 = off).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Seed of the sampling random generator; the same seed gives the same tokens. Null = random.</summary>
    public long? Seed { get; init; }

    /// <summary>Reuse keys/values of earlier tokens (fast). Off recomputes the whole sequence each step (reference/benchmark).</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>Generation stops after producing one of these ids (it is still returned). Null = the config's eos ids.</summary>
    public IReadOnlyList<int>? StopTokenIds { get; init; }

    /// <summary>Checks the values; the message names the offending option.</summary>
    /// <exception cref="TuneSharpException">an option is out of range.</exception>
    public void Validate()
    {
        if (MaxNewTokens < 0) throw new TuneSharpException($"Generation option MaxNewTokens must be >= 0, got {MaxNewTokens}.");
        if (DoSample && !(Temperature > 0) ) throw new TuneSharpException($"Generation option Temperature must be > 0 when sampling, got {Temperature} (use greedy decoding for temperature 0).");
        if (TopK < 0) throw new TuneSharpException($"Generation option TopK must be >= 0 (0 = off), got {TopK}.");
        if (!(TopP > 0 && TopP <= 1)) throw new TuneSharpException($"Generation option TopP must be in (0, 1], got {TopP}.");
    }
}
