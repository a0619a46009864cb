namespace TuneSharp.Data;

/// <summary>A whole dataset file read into memory by <see cref="TabularReader.Read"/>.</summary>
public sealed class TabularData
{
    internal TabularData(string path, DatasetFormat format, IReadOnlyList<string> columns, IReadOnlyList<TabularRow> rows, SkippedRows skipped)
    {
        Path = path;
        Format = format;
        Columns = columns;
        Rows = rows;
        Skipped = skipped;
    }

    /// <summary>The file that was read.</summary>
    public string Path { get; }

    /// <summary>The format it was read as.</summary>
    public DatasetFormat Format { get; }

    /// <summary>The column names, in the order of <see cref="TabularRow.Values"/>.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The rows, in file order.</summary>
    public IReadOnlyList<TabularRow> Rows { get; }

    /// <summary>The rows left out under <see cref="BadRowPolicy.Skip"/>.</summary>
    public SkippedRows Skipped { get; }
}
