namespace TuneSharp.Data;

/// <summary>
/// Where readers send problems, so that the <see cref="BadRowPolicy"/> is applied in one place: a bad row is
/// thrown or counted as the policy says; a fatal problem (the file itself is unusable) is always thrown.
/// </summary>
internal sealed class BadRowSink(string path, DatasetFormat format, BadRowPolicy policy, SkippedRows skipped, string? lineNoun = null)
{
    public string Path { get; } = path;

    /// <summary>Parquet has no lines; its rows are numbered instead (and a SQuAD JSON file's questions, by the reader).</summary>
    public string LineNoun { get; } = lineNoun ?? (format == DatasetFormat.Parquet ? "row" : "line");

    public SkippedRows Skipped { get; } = skipped;

    /// <summary>Reports a row that cannot be used: throws under <see cref="BadRowPolicy.Error"/>, otherwise counts it.</summary>
    public void Report(int line, string? column, string reason, string detail)
    {
        if (policy == BadRowPolicy.Error) throw Fatal(line, column, detail);
        Skipped.Add(new SkippedRow(line, column, reason, detail));
    }

    /// <summary>An error that no policy can skip past; the caller throws it.</summary>
    public DataFormatException Fatal(int? line, string? column, string detail, Exception? inner = null) =>
        DataFormatException.At(Path, LineNoun, line, column, detail, inner);
}
