namespace TuneSharp.Data;

/// <summary>One file format's reader: the columns it offers and a single pass over its rows.</summary>
internal interface IRowSource : IDisposable
{
    /// <summary>
    /// The columns of the file: the header (CSV/TSV), the schema (Parquet), or the keys of the first object
    /// (JSON, JSON Lines). Empty when the file has no header or no rows.
    /// </summary>
    IReadOnlyList<string> AvailableColumns { get; }

    /// <summary>
    /// The rows with values for the columns of <paramref name="layout"/> (all of which are in <see cref="AvailableColumns"/>;
    /// list columns only where the format has lists). Bad rows go to the sink given when the source was created and are not returned.
    /// </summary>
    IEnumerable<TabularRow> ReadRows(RowLayout layout);
}
