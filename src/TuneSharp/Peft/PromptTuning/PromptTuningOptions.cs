namespace TuneSharp.Peft.PromptTuning;

/// <summary>
/// Prompt tuning hyper-parameters (PEFT's <c>PromptTuningConfig</c>): <see cref="NumVirtualTokens"/> trained vectors are
/// put in front of every input; the model itself stays frozen, only they and the classification head are trained.
/// </summary>
public sealed record PromptTuningOptions
{
    /// <summary>Number of virtual tokens (PEFT's num_virtual_tokens); each is one trained vector of the hidden size.</summary>
    public int NumVirtualTokens { get; init; } = 20;

    /// <summary>How the virtual tokens start.</summary>
    public PromptTuningInit Init { get; init; } = PromptTuningInit.Random;

    /// <summary>The text whose token embeddings start the prompt when <see cref="Init"/> is <see cref="PromptTuningInit.Text"/>.</summary>
    public string? InitText { get; init; }

    /// <summary>Checks the values; call before applying.</summary>
    /// <exception cref="PeftException">A value is out of range or the init text does not fit the init method.</exception>
    public void Validate()
    {
        if (NumVirtualTokens < 1)
            throw new PeftException($"Prompt tuning needs at least one virtual token; num_virtual_tokens is {NumVirtualTokens}.") { Setting = "num_virtual_tokens" };
        if (!Enum.IsDefined(Init))
            throw new PeftException($"Unknown prompt tuning init {(int)Init}; use RANDOM, TEXT or SAMPLE_VOCAB.");
        if (Init == PromptTuningInit.Text && string.IsNullOrWhiteSpace(InitText))
            throw new PeftException("Prompt tuning init TEXT needs an init text (prompt_tuning_init_text), e.g. \"Classify the sentiment of this review:\".") { Setting = "prompt_tuning_init_text" };
        if (Init != PromptTuningInit.Text && InitText is not null)
            throw new PeftException($"prompt_tuning_init_text is only used with prompt_tuning_init TEXT, but the init is {PromptTuningConfig.InitName(Init)}; choose TEXT or drop the text.") { Setting = "prompt_tuning_init_text" };
    }
}
