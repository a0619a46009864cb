namespace TuneSharp.Recipes;

/// <summary>
/// A causal-language-model run (<c>--task causal-lm</c>): the shared options (<see cref="FineTuningRunOptions"/>) and
/// how the data becomes training sequences. Plain text (continued pre-training) is cut into <see cref="BlockSize"/>
/// blocks; Alpaca rows and chat conversations are rendered with a chat template and, unless
/// <see cref="TrainOnPrompt"/>, trained on the assistant replies only. <c>Args.MaxLength</c> is the longest
/// conversation sequence (longer ones are cut) and the length of a packed row.
/// </summary>
public sealed record CausalLmRunOptions : FineTuningRunOptions
{
    /// <summary>Column with the text of plain-text JSON/JSONL rows.</summary>
    public string TextColumn { get; init; } = "text";

    /// <summary>Column with a conversation's messages ([{"role", "content"}...]).</summary>
    public string MessagesColumn { get; init; } = "messages";

    /// <summary>Tokens per block of plain text (block_size); null: max_length.</summary>
    public int? BlockSize { get; init; }

    /// <summary>
    /// The chat template (chat_template): null for the model's own (tokenizer_config.json), a built-in name (chatml,
    /// alpaca, llama-2, llama-3, zephyr, mistral) or the path of a Jinja file.
    /// </summary>
    public string? ChatTemplate { get; init; }

    /// <summary>Train on every token of a conversation, prompts included (train_on_prompt), not only the replies.</summary>
    public bool TrainOnPrompt { get; init; }

    /// <summary>Put several short examples into each max_length row (packing), never attending across them.</summary>
    public bool Packing { get; init; }

    /// <summary>Validation prompts continued greedily and logged at each evaluation (eval_generate_samples).</summary>
    public int EvalGenerateSamples { get; init; }

    /// <summary>The block size in use: <see cref="BlockSize"/> or max_length.</summary>
    public int EffectiveBlockSize => BlockSize ?? Args.MaxLength;
}
