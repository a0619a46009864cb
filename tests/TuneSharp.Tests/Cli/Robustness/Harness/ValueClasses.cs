namespace TuneSharp.Tests.Cli.Robustness;

/// <summary>A class of bad or extreme value given to one parameter.</summary>
public enum ValueClass
{
    // Numbers and flags.
    Zero,
    Negative,
    HugeInt,
    HugeLong,
    HugeNumber,
    NaN,
    Infinity,
    NegativeInfinity,
    Fraction,
    WrongType,
    Empty,
    /// <summary>Sweep only: a random number of random magnitude (its own literal, judged by its value).</summary>
    RandomNumber,

    // Choices and text.
    UnknownChoice,
    /// <summary>Sweep only: a valid choice other than the default (not bad, but every value should run).</summary>
    ValidChoice,
    LongText,
    OddText,

    // Input files.
    MissingPath,
    FolderForFile,
    EmptyFile,
    GarbageFile,
    InvalidUtf8File,
    HugeLineFile,
    TruncatedJsonFile,
    /// <summary>Well-formed JSON/YAML of the wrong shape: nested objects and lists where scalars belong, 1e400, YAML tags and aliases.</summary>
    WrongShapeFile,
    /// <summary>Brackets nested 100,000 deep (a recursive parser's stack).</summary>
    DeepNestingFile,
    /// <summary>A copy of a valid file (or, for folders, of the valid folder) that this user may not read (mode 000);
    /// skipped when running as root, who reads it anyway.</summary>
    Unreadable,

    // Input folders.
    FileForFolder,
    EmptyFolder,
    UnrelatedFolder,
    BrokenConfigFolder,
    GarbageWeightsFolder,
    UncachedHubId,

    // Output paths (created inside each case's own folder, so no case can damage another's inputs).
    ExistingFile,
    ExistingFolder,
    UnderAFile,
}

/// <summary>The value classes that fit each <see cref="ValueKind"/>, and the literal command-line text of the simple ones.</summary>
public static class ValueClasses
{
    /// <summary>
    /// Classes per kind, those most likely to break something first. The default test run gives every parameter its
    /// first class that must be refused and one more, rotating through this list; the sweep draws from all of them.
    /// </summary>
    public static IReadOnlyList<ValueClass> For(CliParameter p) => p.Kind switch
    {
        ValueKind.Integer => [ValueClass.Zero, ValueClass.Negative, ValueClass.HugeInt, ValueClass.WrongType, ValueClass.HugeLong, ValueClass.Fraction,
            ValueClass.NaN, ValueClass.HugeNumber, ValueClass.Empty, ValueClass.RandomNumber],
        ValueKind.Long => [ValueClass.Negative, ValueClass.HugeLong, ValueClass.Zero, ValueClass.WrongType, ValueClass.Fraction, ValueClass.HugeNumber,
            ValueClass.Empty, ValueClass.RandomNumber],
        ValueKind.Number => [ValueClass.NaN, ValueClass.Negative, ValueClass.HugeNumber, ValueClass.Zero, ValueClass.Infinity, ValueClass.WrongType,
            ValueClass.NegativeInfinity, ValueClass.HugeInt, ValueClass.Empty, ValueClass.RandomNumber],
        ValueKind.Flag => [ValueClass.WrongType, ValueClass.Empty],
        ValueKind.Choice => [ValueClass.UnknownChoice, ValueClass.Empty, ValueClass.ValidChoice],
        ValueKind.Text => [ValueClass.LongText, ValueClass.Empty, ValueClass.OddText],
        ValueKind.InputFile => [ValueClass.GarbageFile, ValueClass.MissingPath, ValueClass.TruncatedJsonFile, ValueClass.EmptyFile, ValueClass.FolderForFile,
            ValueClass.WrongShapeFile, ValueClass.DeepNestingFile, ValueClass.InvalidUtf8File, ValueClass.HugeLineFile, ValueClass.Unreadable, ValueClass.Empty],
        ValueKind.InputFolder => p.Folder == FolderKind.Checkpoint
            ? [ValueClass.MissingPath, ValueClass.EmptyFolder, ValueClass.FileForFolder, ValueClass.Empty]
            : [ValueClass.MissingPath, ValueClass.BrokenConfigFolder, ValueClass.GarbageWeightsFolder, ValueClass.FileForFolder, ValueClass.EmptyFolder,
                ValueClass.UnrelatedFolder, ValueClass.Unreadable, ValueClass.Empty, .. (p.Description.Contains("hub id") ? new[] { ValueClass.UncachedHubId } : [])],
        ValueKind.OutputFile => [ValueClass.ExistingFolder, ValueClass.UnderAFile, ValueClass.Empty, ValueClass.ExistingFile],
        ValueKind.OutputFolder => [ValueClass.ExistingFile, ValueClass.UnderAFile, ValueClass.Empty, ValueClass.ExistingFolder],
        _ => [],
    };

    /// <summary>The literal of a class that needs no file and no randomness; null for the others.</summary>
    public static string? Literal(ValueClass c) => c switch
    {
        ValueClass.Zero => "0",
        ValueClass.Negative => "-1",
        ValueClass.HugeInt => "2147483647",
        ValueClass.HugeLong => "99999999999",
        ValueClass.HugeNumber => "1e308",
        ValueClass.NaN => "NaN",
        ValueClass.Infinity => "Infinity",
        ValueClass.NegativeInfinity => "-Infinity",
        ValueClass.Fraction => "1.5",
        ValueClass.WrongType => "abc",
        ValueClass.Empty => "",
        ValueClass.UnknownChoice => "no-such-choice",
        ValueClass.LongText => new string('x', 100_000), // under Linux's 128 KiB limit on one argument
        ValueClass.OddText => "\u00fc\u00f1\u00ef \u202e\U0001F600 \t\r\n\u001b[31m'\"$`;|",
        ValueClass.UncachedHubId => "no-such-org/no-such-model",
        _ => null,
    };

    /// <summary>Whether the class names a file or folder the fixtures (or the case's own folder) provide.</summary>
    public static bool IsPath(ValueClass c) => c >= ValueClass.MissingPath && c != ValueClass.UncachedHubId;
}
