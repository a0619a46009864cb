namespace TuneSharp.Data;

/// <summary>One row left out under <see cref="BadRowPolicy.Skip"/>.</summary>
/// <param name="Line">1-based line of the row (the row number for Parquet).</param>
/// <param name="Column">The column at fault, when one is.</param>
/// <param name="Reason">A short category such as "empty text" or "invalid UTF-8", used for counting.</param>
/// <param name="Message">What was wrong and what was expected.</param>
public sealed record SkippedRow(int Line, string? Column, string Reason, string Message);

/// <summary>
/// The rows that were skipped while reading: how many, how many for each reason, and the first few in full
/// (enough to report without keeping every bad row of a huge file in memory).
/// </summary>
public sealed class SkippedRows
{
    /// <summary>How many skipped rows are kept in <see cref="Examples"/>.</summary>
    public const int MaxExamples = 10;

    private readonly List<SkippedRow> _examples = [];
    private readonly string _lineNoun;

    /// <param name="lineNoun">What <see cref="SkippedRow.Line"/> counts: "line" (text formats) or "row" (Parquet).</param>
    public SkippedRows(string lineNoun = "line") => _lineNoun = lineNoun;
    private readonly Dictionary<string, int> _byReason = new(StringComparer.Ordinal);

    /// <summary>The number of rows skipped.</summary>
    public int Count { get; private set; }

    /// <summary>The number of skipped rows for each reason.</summary>
    public IReadOnlyDictionary<string, int> ByReason => _byReason;

    /// <summary>The first <see cref="MaxExamples"/> skipped rows, in file order.</summary>
    public IReadOnlyList<SkippedRow> Examples => _examples;

    internal void Add(SkippedRow row)
    {
        Count++;
        _byReason[row.Reason] = _byReason.GetValueOrDefault(row.Reason) + 1;
        if (_examples.Count < MaxExamples) _examples.Add(row);
    }

    /// <summary>"3 rows skipped: 2 empty text, 1 empty label (lines 4, 9, 12)", or "no rows skipped".</summary>
    public override string ToString() => Count == 0
        ? "no rows skipped"
        : $"{Count:N0} row{(Count == 1 ? "" : "s")} skipped: " +
          string.Join(", ", _byReason.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Value:N0} {r.Key}")) +
          $" ({_lineNoun}{(Count == 1 ? "" : "s")} {string.Join(", ", _examples.Take(5).Select(e => e.Line))}{(Count > 5 ? ", …" : "")})";
}
