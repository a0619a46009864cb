namespace TuneSharp.Data;

/// <summary>One row of a dataset file: string values for the selected columns and where the row came from.</summary>
public sealed class TabularRow
{
    private readonly IReadOnlyDictionary<string, int> _columnIndex;

    internal TabularRow(int line, string?[] values, IReadOnlyDictionary<string, int> columnIndex)
    {
        Line = line;
        Values = values;
        _columnIndex = columnIndex;
    }

    /// <summary>1-based line where the row starts in the file; for Parquet, the 1-based row number.</summary>
    public int Line { get; }

    /// <summary>
    /// The values, in the order of the reader's columns. Null when the value is absent (a JSON key that is missing
    /// or null, a Parquet null); an empty CSV field is "".
    /// </summary>
    public IReadOnlyList<string?> Values { get; }

    /// <summary>The value of <paramref name="column"/>; throws <see cref="KeyNotFoundException"/> for a column that was not read.</summary>
    public string? this[string column] => _columnIndex.TryGetValue(column, out var i)
        ? Values[i]
        : throw new KeyNotFoundException($"Column '{column}' was not read; columns: {string.Join(", ", _columnIndex.Keys)}.");
}
