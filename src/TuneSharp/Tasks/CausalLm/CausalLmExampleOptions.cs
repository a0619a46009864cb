namespace TuneSharp.Tasks.CausalLm;

/// <summary>How <see cref="CausalLmExampleBuilder"/> turns a dataset into training sequences.</summary>
public sealed record CausalLmExampleOptions
{
    /// <summary>Documents: the length of the blocks the concatenated token stream is cut into (run_clm's
    /// <c>block_size</c>). Defaults to 1024, run_clm's default cap.</summary>
    public int BlockSize { get; init; } = 1024;

    /// <summary>Conversations: the longest sequence kept; longer ones are cut on the right and counted (TRL's
    /// <c>max_length</c>, 1024 by default). Null keeps every conversation whole.</summary>
    public int? MaxLength { get; init; } = 1024;

    /// <summary>Conversations: train on every token, prompts included (<c>train_on_prompt</c>), instead of the
    /// assistant turns only.</summary>
    public bool TrainOnPrompt { get; init; }

    /// <summary>
    /// Conversations: when the template writes no EOS token inside an assistant turn (ChatML ends turns with
    /// <c>&lt;|im_end|&gt;</c>, which is not every model's EOS), put the tokenizer's EOS id right after the turn, trained, so
    /// the model learns to stop after a reply. On by default.
    /// </summary>
    public bool EosAfterResponse { get; init; } = true;
}
