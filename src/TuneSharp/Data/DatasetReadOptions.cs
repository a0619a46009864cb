namespace TuneSharp.Data;

/// <summary>How <see cref="TabularReader"/> reads a dataset file.</summary>
public sealed record DatasetReadOptions
{
    /// <summary>The default <see cref="MaxRowBytes"/>: 16 MiB.</summary>
    public const int DefaultMaxRowBytes = 16 * 1024 * 1024;

    /// <summary>The file format; null detects it from the extension.</summary>
    public DatasetFormat? Format { get; init; }

    /// <summary>
    /// The columns to keep, in this order; each must exist. Null keeps all columns (for JSON and JSON Lines:
    /// the keys of the first object).
    /// </summary>
    public IReadOnlyList<string>? Columns { get; init; }

    /// <summary>
    /// Columns read as lists (<see cref="TabularRow.GetList"/>) rather than text; each must be among the columns read.
    /// JSON Lines and JSON: a JSON array of strings or of integers (a missing key or null gives no list). Parquet: a
    /// list column of strings or integers. CSV and TSV have no list cells, so naming a list column for them is an error.
    /// Null or empty reads every column as text.
    /// </summary>
    public IReadOnlyList<string>? ListColumns { get; init; }

    /// <summary>
    /// Columns read as JSON values (<see cref="TabularRow.GetJson"/>) rather than text: nested cells such as extractive
    /// QA's <c>answers</c> (<c>{"text": [...], "answer_start": [...]}</c> or a list of such objects), kept as the file wrote
    /// them for the task to read. JSON Lines and JSON only (a missing key or null gives no value); CSV, TSV and Parquet are
    /// refused with a message. A column cannot be both a list and a JSON column.
    /// </summary>
    public IReadOnlyList<string>? JsonColumns { get; init; }

    /// <summary>What to do with a row that cannot be read (invalid UTF-8, malformed JSON, wrong field count...).</summary>
    public BadRowPolicy OnBadRow { get; init; } = BadRowPolicy.Error;

    /// <summary>
    /// The longest row (CSV/TSV record, JSON line or JSON array element) read, in bytes. A longer one is an error
    /// naming the file and line: it is usually an unclosed quote or a file that is not in the expected format,
    /// and reading it whole could exhaust memory. For CSV/TSV the check is approximate (up to about twice this).
    /// </summary>
    public int MaxRowBytes { get; init; } = DefaultMaxRowBytes;
}
