namespace TuneSharp.Hub;

/// <summary>
/// Hub ids without an organisation ("bert-base-uncased", "gpt2") from before the Hugging Face Hub moved its oldest
/// models into organisations. The hub still answers such a name by redirecting to the new id, and transformers still
/// accepts them, so <see cref="ModelLocator"/> does too; this table only serves what the hub cannot answer: finding a
/// model cached under its new id while offline, and naming the new id in errors (a mirror at HF_ENDPOINT may not
/// redirect). It lists the widely used ones, not every legacy name; an unlisted bare name still works online.
/// </summary>
public static class LegacyModelIds
{
    private static readonly Dictionary<string, string> Canonical = Build(
        ("google-bert", ["bert-base-uncased", "bert-large-uncased", "bert-base-cased", "bert-large-cased",
            "bert-base-multilingual-uncased", "bert-base-multilingual-cased", "bert-base-chinese", "bert-base-german-cased",
            "bert-large-uncased-whole-word-masking", "bert-large-cased-whole-word-masking",
            "bert-large-uncased-whole-word-masking-finetuned-squad", "bert-large-cased-whole-word-masking-finetuned-squad"]),
        ("openai-community", ["gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "openai-gpt", "roberta-base-openai-detector"]),
        ("FacebookAI", ["roberta-base", "roberta-large", "roberta-large-mnli", "xlm-roberta-base", "xlm-roberta-large"]),
        ("distilbert", ["distilbert-base-uncased", "distilbert-base-cased", "distilbert-base-multilingual-cased",
            "distilbert-base-uncased-finetuned-sst-2-english", "distilbert-base-cased-distilled-squad",
            "distilbert-base-uncased-distilled-squad", "distilgpt2", "distilroberta-base"]),
        ("google-t5", ["t5-small", "t5-base", "t5-large", "t5-3b", "t5-11b"]),
        ("albert", ["albert-base-v1", "albert-large-v1", "albert-base-v2", "albert-large-v2", "albert-xlarge-v2", "albert-xxlarge-v2"]),
        ("xlnet", ["xlnet-base-cased", "xlnet-large-cased"]));

    /// <summary>
    /// The organisation-qualified id a known legacy name moved to (e.g. "bert-base-uncased" → "google-bert/bert-base-uncased");
    /// false for ids with an organisation and for bare names not in the table.
    /// </summary>
    public static bool TryGetCanonical(string bareName, out string canonicalId)
    {
        canonicalId = "";
        if (!Canonical.TryGetValue(bareName, out var id)) return false;
        canonicalId = id;
        return true;
    }

    private static Dictionary<string, string> Build(params (string Org, string[] Names)[] groups) =>
        // Ordinal, as the hub's ids are case-sensitive.
        groups.SelectMany(g => g.Names.Select(name => (name, id: $"{g.Org}/{name}")))
            .ToDictionary(p => p.name, p => p.id, StringComparer.Ordinal);
}
