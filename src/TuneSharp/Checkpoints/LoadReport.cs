namespace TuneSharp.Checkpoints;

/// <summary>A tensor whose checkpoint shape differs from the model's.</summary>
public sealed record ShapeMismatch(string Name, long[] CheckpointShape, long[] ModelShape);

/// <summary>
/// What <see cref="StateDictLoader.LoadInto"/> did not load, like transformers' loading info:
/// model keys absent from the checkpoint, checkpoint keys the model has no place for, and shape mismatches.
/// Keys matched by the ignore patterns of <see cref="StateDictLoadOptions"/> are not listed.
/// </summary>
public sealed record LoadReport(
    IReadOnlyList<string> MissingKeys,
    IReadOnlyList<string> UnexpectedKeys,
    IReadOnlyList<ShapeMismatch> MismatchedKeys)
{
    /// <summary>Name of the model class used in <see cref="ToString"/>.</summary>
    public string ModelName { get; init; } = "the model";

    /// <summary>True when every model weight came from the checkpoint and every checkpoint weight was used.</summary>
    public bool IsClean => MissingKeys.Count == 0 && UnexpectedKeys.Count == 0 && MismatchedKeys.Count == 0;

    /// <summary>Human-readable summary in the words transformers uses when loading a pretrained model.</summary>
    public override string ToString()
    {
        if (IsClean)
            return $"All checkpoint weights were used when initializing {ModelName}, and all weights of {ModelName} were initialized from the checkpoint.";

        var parts = new List<string>();
        if (UnexpectedKeys.Count > 0)
            parts.Add($"Some weights of the model checkpoint were not used when initializing {ModelName}: {PythonList(UnexpectedKeys)}");
        if (MissingKeys.Count > 0)
            parts.Add($"Some weights of {ModelName} were not initialized from the model checkpoint and are newly initialized: {PythonList(MissingKeys)}");
        if (MismatchedKeys.Count > 0)
            parts.Add($"Some weights of {ModelName} were not initialized from the model checkpoint and are newly initialized because the shapes did not match:\n"
                + string.Join("\n", MismatchedKeys.Select(m =>
                    $"- {m.Name}: found shape {SafeTensorsDTypes.FormatShape(m.CheckpointShape)} in the checkpoint and {SafeTensorsDTypes.FormatShape(m.ModelShape)} in the model instantiated")));
        return string.Join("\n", parts);
    }

    private static string PythonList(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(i => $"'{i}'")) + "]";
}
