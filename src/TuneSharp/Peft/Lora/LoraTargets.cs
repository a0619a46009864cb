using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TuneSharp.Peft.Lora;

/// <summary>
/// PEFT's target_modules semantics: a list of names matches a module path equal to a name or ending in "." + name;
/// a string is a regular expression that must match the whole path; "all-linear" is every Linear but the head.
/// </summary>
public sealed class LoraTargets
{
    /// <summary>The "all-linear" shorthand.</summary>
    public const string AllLinear = "all-linear";

    private readonly string _text;

    private LoraTargets(IReadOnlyList<string>? names, Regex? pattern, bool allLinear, string text)
    {
        _text = text;
        Names = names;
        Pattern = pattern;
        IsAllLinear = allLinear;
    }

    /// <summary>The module names (list form), or null.</summary>
    public IReadOnlyList<string>? Names { get; }

    /// <summary>The full-match expression (regex form), or null.</summary>
    public Regex? Pattern { get; }

    /// <summary>True for "all-linear".</summary>
    public bool IsAllLinear { get; }

    /// <summary>A list of module names.</summary>
    public static LoraTargets FromNames(IEnumerable<string> names)
    {
        var list = names.Select(n => n.Trim()).Where(n => n.Length > 0).Distinct().ToList();
        if (list.Count == 0) throw new PeftException("LoRA target modules are empty; name at least one module (e.g. \"query,value\") or use \"all-linear\".");
        return new LoraTargets(list, null, false, string.Join(",", list));
    }

    /// <summary>A regular expression over module paths (full match, as Python's re.fullmatch).</summary>
    public static LoraTargets FromRegex(string pattern)
    {
        try { return new LoraTargets(null, new Regex($"^(?:{pattern})$", RegexOptions.CultureInvariant), false, pattern); }
        catch (ArgumentException e) { throw new PeftException($"LoRA target modules \"{pattern}\" is not a valid regular expression: {e.Message}"); }
    }

    /// <summary>
    /// "all-linear"; a regular expression when the text has any of <c>^$*+?()[]{}|\</c>; else a comma-separated
    /// list of module names (a '.' alone is allowed in names, e.g. "attention.self.query").
    /// </summary>
    public static LoraTargets Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Equals(AllLinear, StringComparison.OrdinalIgnoreCase)) return new LoraTargets(null, null, true, AllLinear);
        return trimmed.IndexOfAny("^$*+?()[]{}|\\".ToCharArray()) >= 0 ? FromRegex(trimmed) : FromNames(trimmed.Split(','));
    }

    /// <summary>Whether the module at <paramref name="path"/> is targeted (the caller checks that it is a Linear and not the head).</summary>
    public bool Matches(string path)
    {
        if (IsAllLinear) return true;
        if (Pattern is not null) return Pattern.IsMatch(path);
        return Names!.Any(n => path == n || path.EndsWith("." + n, StringComparison.Ordinal));
    }

    /// <summary>Human-readable form for messages.</summary>
    public override string ToString() => _text;

    /// <summary>
    /// adapter_config.json's target_modules: a list of names (sorted), or the regex string. "all-linear" is written
    /// as the names it resolved to (<paramref name="resolvedPaths"/>' last segments), as PEFT does.
    /// </summary>
    public JsonNode ToJson(IEnumerable<string> resolvedPaths)
    {
        if (Pattern is not null) return JsonValue.Create(ToString())!;
        var names = IsAllLinear ? resolvedPaths.Select(p => p[(p.LastIndexOf('.') + 1)..]) : Names!;
        return new JsonArray(names.Distinct().Order(StringComparer.Ordinal).Select(n => (JsonNode)JsonValue.Create(n)!).ToArray());
    }
}
