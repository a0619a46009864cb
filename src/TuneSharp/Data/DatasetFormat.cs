namespace TuneSharp.Data;

/// <summary>The file formats a dataset can be read from.</summary>
public enum DatasetFormat
{
    /// <summary>Comma-separated values with a header row; RFC 4180 quoting (<c>"a, ""b"""</c>).</summary>
    Csv,
    /// <summary>Tab-separated values with a header row; quotes are ordinary characters (GLUE style).</summary>
    Tsv,
    /// <summary>JSON Lines: one JSON object per line.</summary>
    Jsonl,
    /// <summary>A JSON file whose top level is an array of objects.</summary>
    Json,
    /// <summary>Apache Parquet with flat columns (and list columns where a reader asks for lists).</summary>
    Parquet,
    /// <summary>
    /// CoNLL: one token per line with its tags in whitespace-separated columns, sentences separated by blank lines
    /// (token classification only; see <see cref="TokenClassificationData"/>).
    /// </summary>
    Conll,
}

/// <summary>Detects a <see cref="DatasetFormat"/> from a file name.</summary>
public static class DatasetFormats
{
    private static readonly IReadOnlyDictionary<string, DatasetFormat> ByExtension =
        new Dictionary<string, DatasetFormat>(StringComparer.OrdinalIgnoreCase)
        {
            [".csv"] = DatasetFormat.Csv,
            [".tsv"] = DatasetFormat.Tsv,
            [".jsonl"] = DatasetFormat.Jsonl,
            [".ndjson"] = DatasetFormat.Jsonl,
            [".json"] = DatasetFormat.Json,
            [".parquet"] = DatasetFormat.Parquet,
        };

    /// <summary>The format named by the extension of <paramref name="path"/>, or null when it names none.</summary>
    public static DatasetFormat? FromExtension(string path) =>
        ByExtension.TryGetValue(Path.GetExtension(path), out var format) ? format : null;

    /// <summary>
    /// <paramref name="overrideFormat"/> when given, else the format of the extension.
    /// Throws <see cref="DataFormatException"/> when neither says which format the file is.
    /// </summary>
    public static DatasetFormat Resolve(string path, DatasetFormat? overrideFormat)
    {
        if (overrideFormat is { } format) return format;
        return FromExtension(path) ?? throw new DataFormatException(
            $"Cannot tell the format of dataset file '{path}' from its extension '{Path.GetExtension(path)}': " +
            "expected .csv, .tsv, .jsonl, .json or .parquet, or set the file format explicitly (format: csv, tsv, jsonl, json or parquet).", path, null, null);
    }
}
