namespace TuneSharp.Peft;

/// <summary>How much of a model is fine-tuned.</summary>
public enum PeftMethod
{
    /// <summary>Every parameter trains (ordinary fine-tuning).</summary>
    Full,

    /// <summary>Parts of the model are frozen (<see cref="Freeze.FreezeOptions"/>).</summary>
    Freeze,

    /// <summary>Only biases and the head train (<see cref="BitFit.BitFitting"/>).</summary>
    BitFit,

    /// <summary>Low-rank adapters on chosen Linear layers, plus the head (<see cref="Lora.LoraModel"/>).</summary>
    Lora,

    /// <summary>Bottleneck adapters after the attention and/or feed-forward sub-layers, plus the head (<see cref="Bottleneck.BottleneckAdapterModel"/>).</summary>
    Adapter,

    /// <summary>Trained virtual tokens in front of the input, plus the head (<see cref="PromptTuning.PromptTuningModel"/>).</summary>
    PromptTuning,
}

/// <summary>Parsing of the settings spelling of <see cref="PeftMethod"/>, from <see cref="PeftMethodTable"/>.</summary>
public static class PeftMethods
{
    /// <summary>The accepted names.</summary>
    public static IReadOnlyList<string> Names { get; } = PeftMethodTable.All.Select(m => m.Name).ToList();

    /// <summary>Parses one of <see cref="Names"/> (any case) or an alias.</summary>
    /// <exception cref="PeftException">Any other text.</exception>
    public static PeftMethod Parse(string text)
    {
        var name = text.Trim().ToLowerInvariant();
        return PeftMethodTable.All.FirstOrDefault(m => m.Name == name || m.Aliases.Contains(name))?.Method
            ?? throw new PeftException($"Unknown fine-tuning method \"{text}\"; expected one of: {string.Join(", ", Names)}.");
    }

    /// <summary>The lower-case name.</summary>
    public static string ToName(this PeftMethod method) => PeftMethodTable.For(method).Name;
}
