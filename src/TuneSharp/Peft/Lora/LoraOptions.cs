namespace TuneSharp.Peft.Lora;

/// <summary>LoRA hyper-parameters, with PEFT's <c>LoraConfig</c> defaults.</summary>
public sealed record LoraOptions
{
    /// <summary>Rank of the update B·A (PEFT <c>r</c>).</summary>
    public int R { get; init; } = 8;

    /// <summary>Scaling numerator (PEFT <c>lora_alpha</c>): the update is multiplied by alpha / r (or alpha / √r with rsLoRA).</summary>
    public double Alpha { get; init; } = 16;

    /// <summary>Dropout on the LoRA branch's input (PEFT <c>lora_dropout</c>, default 0).</summary>
    public double Dropout { get; init; }

    /// <summary>
    /// Which Linear layers get an adapter: null for the architecture's default (bert: query,value; llama: q_proj,v_proj);
    /// "all-linear" for every Linear except the head; a comma-separated list of module names, each matching a module
    /// path equal to it or ending in "." + it; or a regular expression that must match the whole module path.
    /// See <see cref="LoraTargets.Parse"/>.
    /// </summary>
    public string? TargetModules { get; init; }

    /// <summary>rsLoRA: scale by alpha / √r instead of alpha / r (PEFT <c>use_rslora</c>).</summary>
    public bool UseRslora { get; init; }

    /// <summary>Modules trained fully and saved with the adapter; null: the classification head (classifier / score).</summary>
    public IReadOnlyList<string>? ModulesToSave { get; init; }

    /// <summary>The factor applied to B·A x.</summary>
    public double Scale => UseRslora ? Alpha / Math.Sqrt(R) : Alpha / R;

    /// <summary>Checks the ranges.</summary>
    /// <exception cref="PeftException">r &lt; 1, a non-finite alpha or a dropout outside [0, 1).</exception>
    public void Validate()
    {
        if (R < 1) throw new PeftException($"lora_r (the LoRA rank) must be at least 1, got {R}.") { Setting = "lora_r" };
        if (!double.IsFinite(Alpha)) throw new PeftException($"lora_alpha must be a finite number, got {Alpha}.") { Setting = "lora_alpha" };
        if (!(Dropout >= 0 && Dropout < 1)) throw new PeftException($"lora_dropout must be in [0, 1), got {Dropout}.") { Setting = "lora_dropout" };
    }
}
