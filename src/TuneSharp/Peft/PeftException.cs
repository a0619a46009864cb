namespace TuneSharp.Peft;

/// <summary>A parameter-efficient fine-tuning setup that cannot be applied: bad options, or an adapter that does not fit the model.</summary>
public sealed class PeftException(string message) : TuneSharpException(message);
