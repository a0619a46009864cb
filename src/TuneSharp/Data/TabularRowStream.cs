namespace TuneSharp.Data;

/// <summary>
/// An open dataset file whose rows are read one at a time (<see cref="TabularReader.Open"/>), so a large file is
/// never held in memory whole. <see cref="Rows"/> can be enumerated once. Dispose it to close the file.
/// </summary>
public sealed class TabularRowStream : IDisposable
{
    private readonly IRowSource _source;
    private readonly RowLayout _layout;
    private bool _enumerated;

    internal TabularRowStream(string path, DatasetFormat format, RowLayout layout, IRowSource source, BadRowSink badRows)
    {
        Path = path;
        Format = format;
        _layout = layout;
        _source = source;
        BadRows = badRows;
    }

    /// <summary>The file being read.</summary>
    public string Path { get; }

    /// <summary>The format it is read as.</summary>
    public DatasetFormat Format { get; }

    /// <summary>The column names, in the order of <see cref="TabularRow.Values"/>.</summary>
    public IReadOnlyList<string> Columns => _layout.Columns;

    /// <summary>The rows skipped so far under <see cref="BadRowPolicy.Skip"/>.</summary>
    public SkippedRows Skipped => BadRows.Skipped;

    /// <summary>Lets readers built on this one (text classification) report their own bad rows under the same policy.</summary>
    internal BadRowSink BadRows { get; }

    /// <summary>The rows in file order; a single pass.</summary>
    public IEnumerable<TabularRow> Rows
    {
        get
        {
            if (_enumerated) throw new InvalidOperationException("The rows of a TabularRowStream can be read only once.");
            _enumerated = true;
            return _source.ReadRows(_layout);
        }
    }

    public void Dispose() => _source.Dispose();
}
