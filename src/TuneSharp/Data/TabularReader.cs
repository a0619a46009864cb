namespace TuneSharp.Data;

/// <summary>
/// Reads CSV, TSV, JSON Lines, JSON (an array of objects) and Parquet files into rows of string values, each with
/// the line it came from. Files are read as a stream; rows longer than <see cref="DatasetReadOptions.MaxRowBytes"/>
/// are an error rather than an unbounded allocation.
/// </summary>
public static class TabularReader
{
    /// <summary>Reads the whole file. Throws <see cref="DataFormatException"/> when it has no usable row.</summary>
    public static TabularData Read(string path, DatasetReadOptions? options = null)
    {
        using var stream = Open(path, options);
        var rows = stream.Rows.ToList();
        if (rows.Count == 0) throw NoRows(stream.BadRows);
        return new TabularData(stream.Path, stream.Format, stream.Columns, rows, stream.Skipped);
    }

    /// <summary>
    /// Checks, without reading it, that <paramref name="path"/> names an existing data file whose format is known
    /// (<paramref name="format"/>, or its extension): the check a command makes before loading a model.
    /// </summary>
    /// <returns>The file's format.</returns>
    /// <exception cref="DataFormatException">The path is empty, missing or a folder, or the format is unknown.</exception>
    public static DatasetFormat CheckPath(string path, DatasetFormat? format = null)
    {
        CheckFileExists(path, "a data file (.csv, .tsv, .jsonl, .json or .parquet)");
        return DatasetFormats.Resolve(path, format);
    }

    /// <summary>Throws when <paramref name="path"/> is empty, a folder or missing; <paramref name="expected"/> says what it should name.</summary>
    internal static void CheckFileExists(string path, string expected)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new DataFormatException($"The dataset path is empty; expected {expected}.", null, null, null);
        if (Directory.Exists(path))
            throw new DataFormatException($"Dataset path '{path}' is a folder; expected {expected}.", path, null, null);
        if (!File.Exists(path))
            throw new DataFormatException($"Dataset file '{path}' does not exist.", path, null, null);
    }

    /// <summary>
    /// Opens the file, reads its header (or first object / schema) and checks that the requested columns exist.
    /// Enumerate <see cref="TabularRowStream.Rows"/> to read the rows.
    /// </summary>
    public static TabularRowStream Open(string path, DatasetReadOptions? options = null)
    {
        options ??= new DatasetReadOptions();
        if (options.MaxRowBytes < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxRowBytes must be positive.");
        var format = CheckPath(path, options.Format);
        var sink = new BadRowSink(path, format, options.OnBadRow, new SkippedRows(format == DatasetFormat.Parquet ? "row" : "line"));
        if (format == DatasetFormat.Conll)
            throw sink.Fatal(null, null, "CoNLL files (one token and its tag per line) hold tagged sentences, not rows of columns; " +
                "only token classification reads them. Expected CSV, TSV, JSON Lines, JSON or Parquet.");
        var listColumns = options.ListColumns ?? [];
        if (listColumns.Count > 0 && format is DatasetFormat.Csv or DatasetFormat.Tsv)
            throw sink.Fatal(null, listColumns[0], $"the column must hold a list, but {format.ToString().ToUpperInvariant()} files have no list cells; " +
                "expected JSON Lines, JSON or Parquet for lists (such as the tokens and tags of token classification).");
        var jsonColumns = options.JsonColumns ?? [];
        if (jsonColumns.Count > 0 && format is DatasetFormat.Csv or DatasetFormat.Tsv)
            throw sink.Fatal(null, jsonColumns[0], $"the column holds nested values (objects or lists of objects), which {format.ToString().ToUpperInvariant()} files cannot hold; " +
                "expected JSON Lines, JSON, or Parquet with a struct column.");
        if (jsonColumns.FirstOrDefault(c => listColumns.Contains(c, StringComparer.Ordinal)) is { } both)
            throw new ArgumentException($"Column '{both}' cannot be read both as a list and as JSON.", nameof(options));
        IRowSource source = format switch
        {
            DatasetFormat.Csv or DatasetFormat.Tsv => new CsvRowSource(path, format, options.MaxRowBytes, sink),
            DatasetFormat.Jsonl => new JsonLinesRowSource(path, options.MaxRowBytes, sink),
            DatasetFormat.Json => new JsonArrayRowSource(path, options.MaxRowBytes, sink),
            DatasetFormat.Parquet => new ParquetRowSource(path, sink),
            _ => throw new ArgumentOutOfRangeException(nameof(options), $"Unknown dataset format {format}."),
        };
        try
        {
            var columns = SelectColumns(source.AvailableColumns, options.Columns, format, sink);
            var notRead = listColumns.FirstOrDefault(c => !columns.Contains(c, StringComparer.Ordinal));
            if (notRead is not null)
                throw new ArgumentException($"List column '{notRead}' is not among the columns read ({string.Join(", ", columns)}).", nameof(options));
            var jsonNotRead = jsonColumns.FirstOrDefault(c => !columns.Contains(c, StringComparer.Ordinal));
            if (jsonNotRead is not null)
                throw new ArgumentException($"JSON column '{jsonNotRead}' is not among the columns read ({string.Join(", ", columns)}).", nameof(options));
            return new TabularRowStream(path, format, new RowLayout(columns, listColumns, jsonColumns), source, sink);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>The error for a file without a single usable row, saying whether rows were skipped.</summary>
    internal static DataFormatException NoRows(BadRowSink sink) => sink.Skipped.Count == 0
        ? sink.Fatal(null, null, "it contains no data rows; expected at least one.")
        : sink.Fatal(null, null, $"it has no usable rows: every row was skipped ({sink.Skipped}). First: {sink.LineNoun} {sink.Skipped.Examples[0].Line}: {sink.Skipped.Examples[0].Message}");

    private static IReadOnlyList<string> SelectColumns(IReadOnlyList<string> available, IReadOnlyList<string>? requested, DatasetFormat format, BadRowSink sink)
    {
        if (available.Count == 0)
            throw format is DatasetFormat.Csv or DatasetFormat.Tsv
                ? sink.Fatal(null, null, "the file is empty; expected a header row naming the columns.")
                : sink.Fatal(null, null, "it contains no data rows; expected at least one.");
        if (requested is null) return available;

        foreach (var column in requested)
        {
            if (available.Contains(column, StringComparer.Ordinal)) continue;
            var message = $"there is no column '{column}'. The columns are: {string.Join(", ", available.Select(c => $"'{c}'"))}.";
            throw sink.Fatal(null, column, message + WrongDelimiterHint(available, format));
        }
        return requested.ToList();
    }

    /// <summary>
    /// A header read as one column whose name has a separator in it means the file uses another separator
    /// than its format implies (a TSV named .csv, a semicolon-separated export ...).
    /// </summary>
    private static string WrongDelimiterHint(IReadOnlyList<string> available, DatasetFormat format)
    {
        if (format is not (DatasetFormat.Csv or DatasetFormat.Tsv) || available.Count != 1) return "";
        var header = available[0];
        var readAs = format == DatasetFormat.Tsv ? "TSV (tab-separated)" : "CSV (comma-separated)";
        string? found = header.Contains('\t') ? "a tab" : header.Contains(',') ? "a comma" : header.Contains(';') ? "a semicolon" : null;
        if (found is null) return "";
        var fix = found switch
        {
            "a tab" => "if it is tab-separated, name it .tsv or set format to tsv.",
            "a comma" => "if it is comma-separated, name it .csv or set format to csv.",
            _ => "semicolon-separated files are not supported; convert it to CSV or TSV.",
        };
        return $" Wrong delimiter? The header was read as a single column that contains {found}, but the file is read as {readAs}; {fix}";
    }
}
