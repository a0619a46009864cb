namespace TuneSharp.Data;

/// <summary>Loads text classification datasets (a text column, optionally a second text, and a label) from a file.</summary>
public static class TextClassificationData
{
    /// <summary>
    /// Reads the file as <paramref name="options"/> say. Every row needs non-blank text (and text pair, when one is
    /// asked for) and a non-blank label; with a fixed <see cref="TextClassificationDataOptions.LabelMap"/>, a label
    /// that it lacks is bad too. Bad rows throw <see cref="DataFormatException"/> or are skipped, as
    /// <see cref="TextClassificationDataOptions.OnBadRow"/> says. A file with no usable row is always an error.
    /// </summary>
    public static TextClassificationDataset Load(TextClassificationDataOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        RequireName(options.TextColumn, nameof(options.TextColumn));
        RequireName(options.LabelColumn, nameof(options.LabelColumn));
        if (options.TextPairColumn is not null) RequireName(options.TextPairColumn, nameof(options.TextPairColumn));

        List<string> columns = [options.TextColumn, options.LabelColumn];
        if (options.TextPairColumn is not null) columns.Add(options.TextPairColumn);
        if (columns.Distinct(StringComparer.Ordinal).Count() != columns.Count)
            throw new TuneSharpException($"The text, text pair and label columns must be different; got {string.Join(", ", columns.Select(c => $"'{c}'"))}.");

        using var stream = TabularReader.Open(options.Path, new DatasetReadOptions
        {
            Format = options.Format,
            Columns = columns,
            OnBadRow = options.OnBadRow,
        });
        var bad = stream.BadRows;
        var examples = new List<TextClassificationExample>();
        foreach (var row in stream.Rows)
        {
            var text = row.Values[0];
            var label = row.Values[1]?.Trim();
            var pair = options.TextPairColumn is null ? null : row.Values[2];
            if (string.IsNullOrWhiteSpace(text))
            {
                bad.Report(row.Line, options.TextColumn, "empty text", EmptyText(text));
                continue;
            }
            if (options.TextPairColumn is not null && string.IsNullOrWhiteSpace(pair))
            {
                bad.Report(row.Line, options.TextPairColumn, "empty text", EmptyText(pair));
                continue;
            }
            if (string.IsNullOrEmpty(label))
            {
                bad.Report(row.Line, options.LabelColumn, "empty label", $"the label is {(label is null ? "missing" : "empty")}; expected a class name or an integer class id.");
                continue;
            }
            if (options.LabelMap is { } fixedLabels && !fixedLabels.TryGetId(label, out _))
            {
                bad.Report(row.Line, options.LabelColumn, "unknown label", $"label '{label}' was not seen in training (known labels: {fixedLabels.Describe()}).");
                continue;
            }
            examples.Add(new TextClassificationExample(text, pair, label, row.Line));
        }
        if (examples.Count == 0) throw TabularReader.NoRows(bad);

        var labels = options.LabelMap ?? LabelMap.Build(examples.Select(e => e.Label));
        return new TextClassificationDataset(examples, labels, options.Path, stream.Skipped);
    }

    private static string EmptyText(string? text) =>
        $"the text is {(text is null ? "missing" : text.Length == 0 ? "empty" : "whitespace only")}; expected non-empty text.";

    private static void RequireName(string? column, string option)
    {
        if (string.IsNullOrWhiteSpace(column)) throw new TuneSharpException($"{option} must name a column; it is empty.");
    }
}
