namespace TuneSharp.Data;

/// <summary>One row of a dataset file: string values for the selected columns and where the row came from.</summary>
public sealed class TabularRow
{
    private readonly RowLayout _layout;
    private readonly ListCell?[]? _lists;
    private readonly System.Text.Json.JsonElement?[]? _json;

    internal TabularRow(int line, string?[] values, RowLayout layout, ListCell?[]? lists = null, System.Text.Json.JsonElement?[]? json = null)
    {
        _json = json;
        Line = line;
        Values = values;
        _layout = layout;
        _lists = lists;
    }

    /// <summary>1-based line where the row starts in the file; for Parquet, the 1-based row number.</summary>
    public int Line { get; }

    /// <summary>
    /// The values, in the order of the reader's columns. Null when the value is absent (a JSON key that is missing
    /// or null, a Parquet null); an empty CSV field is "". A column read as a list (<see cref="DatasetReadOptions.ListColumns"/>)
    /// has null here: its value is <see cref="GetList"/>'s.
    /// </summary>
    public IReadOnlyList<string?> Values { get; }

    /// <summary>The value of <paramref name="column"/>; throws <see cref="KeyNotFoundException"/> for a column that was not read.</summary>
    public string? this[string column] => Values[IndexOf(column)];

    /// <summary>
    /// The list value of <paramref name="column"/>, one of <see cref="DatasetReadOptions.ListColumns"/>; null when
    /// the value is absent (a JSON key that is missing or null, a Parquet null list).
    /// </summary>
    /// <exception cref="KeyNotFoundException">The column was not read.</exception>
    /// <exception cref="InvalidOperationException">The column was read as text, not as a list.</exception>
    public ListCell? GetList(string column)
    {
        var i = IndexOf(column);
        return _layout.IsList(i)
            ? _lists![i]
            : throw new InvalidOperationException($"Column '{column}' was read as text, not as a list; name it in DatasetReadOptions.ListColumns.");
    }

    /// <summary>
    /// The JSON value of <paramref name="column"/>, one of <see cref="DatasetReadOptions.JsonColumns"/>; null when the
    /// key is missing or its value is null.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The column was not read.</exception>
    /// <exception cref="InvalidOperationException">The column was not read as JSON.</exception>
    public System.Text.Json.JsonElement? GetJson(string column)
    {
        var i = IndexOf(column);
        return _layout.IsJson(i)
            ? _json![i]
            : throw new InvalidOperationException($"Column '{column}' was not read as JSON; name it in DatasetReadOptions.JsonColumns.");
    }

    private int IndexOf(string column) => _layout.Index.TryGetValue(column, out var i)
        ? i
        : throw new KeyNotFoundException($"Column '{column}' was not read; columns: {string.Join(", ", _layout.Index.Keys)}.");
}
