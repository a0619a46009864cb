using System.Globalization;

namespace TuneSharp.Tests.Cli.Robustness;

/// <summary>What a case's exit code must be, beyond "no crash, no exception text, no hang" which holds for every case.</summary>
public enum Expectation
{
    /// <summary>Any exit code: the value may be accepted or refused.</summary>
    Either,
    /// <summary>A non-zero exit: the value is invalid and must be refused with a message.</summary>
    Refuse,
    /// <summary>Exit 0: a valid invocation (the base invocations, <c>--help</c>).</summary>
    Succeed,
}

/// <summary>
/// Decides whether a value must be refused. Generic rules, by value kind, cover most cases: a value that does not
/// parse as the parameter's type, NaN or ±∞ for any number, an unknown choice, an empty value for anything but free
/// text, a missing/wrong-kind/garbage input path, an output path that cannot be the file or folder asked for.
/// The few rules that need an option's meaning are in the small tables below, by option name.
/// </summary>
public static class RefusalRules
{
    // Counts for which 0 is meaningless (no examples per batch, no tokens, no rank...): 0 must be refused.
    // "predict:top-k": predict's top-k must be at least 1; generate's top-k takes 0 as "off".
    private static readonly HashSet<string> ZeroRefused =
    [
        "batch-size", "per-device-train-batch-size", "per-device-eval-batch-size", "max-length", "gradient-accumulation-steps",
        "logging-steps", "eval-steps", "save-steps", "save-total-limit", "max-consecutive-nonfinite-steps", "lora-r",
        "adapter-reduction-factor", "num-virtual-tokens", "max-train-samples", "max-eval-samples", "predict:top-k",
        // Sampling divides by the temperature; a nucleus of probability 0 holds no token.
        "temperature", "top-p",
    ];

    // Numbers for which a negative value means something, so the generic "negative is refused" rule does not apply:
    // seeds are any integer; max_steps = -1 is Hugging Face's "not set"; lora_alpha is a scale PEFT does not restrict.
    private static readonly HashSet<string> NegativeAllowed = ["seed", "max-steps", "lora-alpha"];

    // Fractions and probabilities, valid in [0, 1] at most: anything above 1 must be refused.
    private static readonly HashSet<string> Fractions =
    [
        "warmup-ratio", "label-smoothing-factor", "hidden-dropout-prob", "lora-dropout", "adam-beta1", "adam-beta2", "top-p", "validation-split",
    ];

    /// <summary>The expectation for <paramref name="literal"/> (the class's text) given to <paramref name="p"/>, and why.</summary>
    public static (Expectation Expect, string Why) For(CliParameter p, ValueClass c, string literal, string extension)
    {
        if (c == ValueClass.Empty && p.Kind != ValueKind.Text) return Refuse("an empty value");
        switch (p.Kind)
        {
            case ValueKind.Integer or ValueKind.Long or ValueKind.Number:
                return ForNumber(p, literal);
            case ValueKind.Flag:
                return literal is "true" or "false" ? Either() : Refuse("not true/false");
            case ValueKind.Choice:
                return p.Choices.Contains(literal) ? Either() : Refuse($"not one of {string.Join(", ", p.Choices)}");
            case ValueKind.Text:
                // Every text class names a column the fixtures' data does not have.
                return p.Bare.EndsWith("-column", StringComparison.Ordinal) ? Refuse("no such column in the data") : Either();
            case ValueKind.InputFile or ValueKind.InputFolder:
                return ForInput(c, extension);
            case ValueKind.OutputFile:
                return c is ValueClass.ExistingFolder or ValueClass.UnderAFile ? Refuse("a file cannot be written there") : Either();
            case ValueKind.OutputFolder:
                return c is ValueClass.ExistingFile or ValueClass.UnderAFile ? Refuse("a folder cannot be made there") : Either();
            default:
                return Either();
        }
    }

    private static (Expectation, string) ForNumber(CliParameter p, string literal)
    {
        var inv = CultureInfo.InvariantCulture;
        var parsed = p.Kind switch
        {
            ValueKind.Integer => int.TryParse(literal, NumberStyles.Integer, inv, out var i) ? i : (double?)null,
            ValueKind.Long => long.TryParse(literal, NumberStyles.Integer, inv, out var l) ? l : null,
            _ => double.TryParse(literal, NumberStyles.Float, inv, out var d) ? d : null,
        };
        if (parsed is not { } v) return Refuse($"not {(p.Kind == ValueKind.Number ? "a number" : p.Kind == ValueKind.Long ? "a 64-bit integer" : "a 32-bit integer")}");
        if (!double.IsFinite(v)) return Refuse("not a finite number");
        if (v < 0 && !NegativeAllowed.Contains(p.Bare)) return Refuse("negative");
        if (v == 0 && (ZeroRefused.Contains(p.Bare) || ZeroRefused.Contains($"{p.Command}:{p.Bare}"))) return Refuse("zero");
        if (v > 1 && Fractions.Contains(p.Bare)) return Refuse("above 1 for a fraction");
        return Either();
    }

    private static (Expectation, string) ForInput(ValueClass c, string extension) => c switch
    {
        ValueClass.MissingPath => Refuse("the path does not exist"),
        ValueClass.FolderForFile => Refuse("a folder where a file is expected"),
        ValueClass.FileForFolder => Refuse("a file where a folder is expected"),
        ValueClass.EmptyFolder or ValueClass.UnrelatedFolder => Refuse("the folder lacks the files it needs"),
        ValueClass.BrokenConfigFolder => Refuse("its config is truncated JSON"),
        ValueClass.GarbageWeightsFolder => Refuse("its weights are random bytes"),
        ValueClass.UncachedHubId => Refuse("a hub id while offline, not in the cache"),
        ValueClass.GarbageFile => Refuse("random bytes"),
        ValueClass.Unreadable => Refuse("not readable by this user"),
        // An empty YAML file is an empty mapping (no settings), by YAML's definition; empty data has no rows.
        ValueClass.EmptyFile => extension is ".yaml" or ".yml" ? Either() : Refuse("an empty file"),
        ValueClass.TruncatedJsonFile => IsJsonOrYaml(extension) ? Refuse("truncated JSON") : Either(),
        ValueClass.WrongShapeFile => IsJsonOrYaml(extension) ? Refuse("values of the wrong type") : Either(),
        ValueClass.DeepNestingFile => IsJsonOrYaml(extension) ? Refuse("nested 100,000 deep") : Either(),
        _ => Either(),
    };

    private static bool IsJsonOrYaml(string extension) => extension is ".json" or ".jsonl" or ".yaml" or ".yml";

    private static (Expectation, string) Refuse(string why) => (Expectation.Refuse, why);
    private static (Expectation, string) Either() => (Expectation.Either, "");
}
