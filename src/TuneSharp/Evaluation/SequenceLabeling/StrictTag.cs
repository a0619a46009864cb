namespace TuneSharp.Evaluation.SequenceLabeling;

/// <summary>A tag as seqeval's strict mode reads it (<c>seqeval.scheme.Token</c>).</summary>
/// <param name="Prefix">The first character.</param>
/// <param name="Type">The rest with leading and trailing '-' removed; "_" when nothing is left ("O" has type "_").</param>
internal readonly record struct StrictTag(char Prefix, string Type)
{
    public static readonly StrictTag Outside = Parse("O");

    /// <summary>Reads a non-empty tag: "B-PER" is ('B', "PER"), "I-ORG-COMPANY" is ('I', "ORG-COMPANY"), "B" is ('B', "_").</summary>
    public static StrictTag Parse(string tag)
    {
        string type = tag[1..].Trim('-');
        return new StrictTag(tag[0], type.Length == 0 ? "_" : type);
    }
}
