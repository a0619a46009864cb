namespace TuneSharp.Data;

/// <summary>
/// A dataset file that cannot be read as asked: it is missing, lacks a column, or has a bad row (empty text or
/// label, invalid UTF-8, an unterminated quote, malformed JSON ...). The message names the file, the line (the row
/// number for Parquet) and the column when known, and says what was expected.
/// </summary>
public class DataFormatException : TuneSharpException
{
    public DataFormatException(string message, string? filePath, int? line, string? column, Exception? inner = null)
        : base(message, inner!)
    {
        FilePath = filePath;
        Line = line;
        Column = column;
    }

    /// <summary>The dataset file, when the error is about one.</summary>
    public string? FilePath { get; }

    /// <summary>The 1-based line of the row in the file (the 1-based row number for Parquet), when known.</summary>
    public int? Line { get; }

    /// <summary>The column at fault, when one is.</summary>
    public string? Column { get; }

    /// <summary>
    /// "Invalid dataset file '&lt;path&gt;', line 12, column 'label': &lt;detail&gt;" (line and column only when given).
    /// </summary>
    internal static DataFormatException At(string path, string lineNoun, int? line, string? column, string detail, Exception? inner = null)
    {
        var where = $"Invalid dataset file '{path}'";
        if (line is { } l && l > 0) where += $", {lineNoun} {l}";
        if (column is not null) where += $", column '{column}'";
        return new DataFormatException($"{where}: {detail}", path, line is > 0 ? line : null, column, inner);
    }
}
