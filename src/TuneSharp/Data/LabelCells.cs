using System.Globalization;

namespace TuneSharp.Data;

/// <summary>Parsing of multi-label and regression label cells, shared by loading, splitting and encoding.</summary>
public static class LabelCells
{
    /// <summary>The default separator of multi-label cells, as in "sports,politics".</summary>
    public const string DefaultSeparator = ",";

    /// <summary>
    /// The distinct class names of a multi-label cell, trimmed, in the order they first appear. Empty parts
    /// ("a,,b", a trailing separator) are ignored; null when no name is left.
    /// </summary>
    public static IReadOnlyList<string>? SplitClassList(string cell, string separator)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentException.ThrowIfNullOrEmpty(separator);
        var names = cell.Split(separator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Distinct(StringComparer.Ordinal).ToList();
        return names.Count == 0 ? null : names;
    }

    /// <summary>A finite number written in invariant culture ("0.5", "-3", "1e2"); false for anything else (NaN and ∞ included).</summary>
    public static bool TryParseNumber(string cell, out double value) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>The <see cref="LabelFormat"/> of a cell, for messages: "a class name", "class names separated by ','", "a number".</summary>
    public static string Describe(LabelFormat format, string separator) => format switch
    {
        LabelFormat.ClassList => $"one or more class names separated by '{separator}'",
        LabelFormat.Number => "a number (regression target), such as 0.5 or 3",
        _ => "a class name or an integer class id",
    };
}
