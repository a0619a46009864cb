namespace TuneSharp.Tasks.CausalLm;

/// <summary>Settings of a <see cref="CausalLmTask"/> beyond its data.</summary>
public sealed record CausalLmTaskOptions
{
    /// <summary>Rows of logits the loss computes at once (see <see cref="CausalLmLoss"/>).</summary>
    public int LossChunkTokens { get; init; } = CausalLmLoss.DefaultChunkTokens;

    /// <summary>Validation examples whose prompt the model continues at each evaluation (eval_generate_samples; 0: none).</summary>
    public int EvalGenerateSamples { get; init; }

    /// <summary>New tokens of each of those generations (greedy).</summary>
    public int EvalGenerateMaxNewTokens { get; init; } = 64;

    /// <summary>
    /// The Jinja source of the chat template the data was rendered with, recorded in every saved folder's
    /// tokenizer_config.json (<see cref="Tokenization.ChatTemplates.ChatTemplateFiles"/>); null: the model's own, or none.
    /// </summary>
    public string? ChatTemplateSource { get; init; }

    /// <summary>Where the generations go, one line each (the run's log); null: nowhere.</summary>
    public Action<string>? GenerationLog { get; init; }
}
