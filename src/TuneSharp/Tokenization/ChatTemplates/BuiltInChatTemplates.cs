namespace TuneSharp.Tokenization.ChatTemplates;

/// <summary>
/// TuneSharp's own Jinja templates for common chat formats (the <c>BuiltIn/*.jinja</c> files, embedded in the
/// assembly), for models whose tokenizer_config.json has none. Each follows its family's published prompt format and
/// ends every assistant message with the family's end-of-turn marker, so a fine-tuned model learns to stop.
/// </summary>
internal static class BuiltInChatTemplates
{
    /// <summary>Built-in names, and whether the template ends assistant turns with the tokenizer's eos_token.</summary>
    private static readonly (string Name, bool NeedsEos)[] Names =
        [("chatml", false), ("alpaca", true), ("llama-2", true), ("llama-3", false), ("zephyr", true), ("mistral", true)];

    /// <summary>The templates by name.</summary>
    public static readonly IReadOnlyDictionary<string, (string Source, bool NeedsEos)> All =
        Names.ToDictionary(n => n.Name, n => (Load(n.Name), n.NeedsEos), StringComparer.Ordinal);

    private static string Load(string name)
    {
        var resource = $"TuneSharp.ChatTemplates.{name}.jinja";
        using var stream = typeof(BuiltInChatTemplates).Assembly.GetManifestResourceStream(resource)
                           ?? throw new InvalidOperationException($"The embedded chat template {resource} is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
