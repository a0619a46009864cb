namespace TuneSharp.Data;

/// <summary>Loads text classification datasets (a text column, optionally a second text, and a label) from a file.</summary>
public static class TextClassificationData
{
    /// <summary>
    /// Reads the file as <paramref name="options"/> say. Every row needs non-blank text (and text pair, when one is
    /// asked for) and a non-blank label, read as <see cref="TextClassificationDataOptions.LabelFormat"/> says (a class
    /// name, a separated list of class names, or a number; a cell that is not one is bad); with a fixed
    /// <see cref="TextClassificationDataOptions.LabelMap"/>, a class name that it lacks is bad too. Bad rows throw <see cref="DataFormatException"/> or are skipped, as
    /// <see cref="TextClassificationDataOptions.OnBadRow"/> says. A file with no usable row is always an error.
    /// </summary>
    public static TextClassificationDataset Load(TextClassificationDataOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        RequireName(options.TextColumn, "text_column");
        RequireName(options.LabelColumn, "label_column");
        if (options.TextPairColumn is not null) RequireName(options.TextPairColumn, "text_pair_column");

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
                bad.Report(row.Line, options.LabelColumn, "empty label", $"the label is {(label is null ? "missing" : "empty")}; expected {LabelCells.Describe(options.LabelFormat, options.LabelSeparator)}.");
                continue;
            }
            if (LabelProblem(label, options) is { } problem)
            {
                bad.Report(row.Line, options.LabelColumn, problem.Reason, problem.Detail);
                continue;
            }
            examples.Add(new TextClassificationExample(text, pair, label, row.Line));
        }
        if (examples.Count == 0) throw TabularReader.NoRows(bad);

        var labels = options.LabelMap ?? BuildLabelMap(examples, options);
        return new TextClassificationDataset(examples, labels, options.Path, stream.Skipped, options.LabelFormat, options.LabelSeparator);
    }

    /// <summary>Why a (non-empty) label cell cannot be used, or null when it is fine.</summary>
    private static (string Reason, string Detail)? LabelProblem(string label, TextClassificationDataOptions options)
    {
        switch (options.LabelFormat)
        {
            case LabelFormat.Number:
                return LabelCells.TryParseNumber(label, out _) ? null
                    : ("not a number", $"label '{TextExcerpt.Of(label)}' is not a number; regression labels must be numbers such as 0.5 or 3.");
            case LabelFormat.ClassList:
                var names = LabelCells.SplitClassList(label, options.LabelSeparator);
                if (names is null)
                    return ("empty label", $"label '{TextExcerpt.Of(label)}' has no class names; expected {LabelCells.Describe(options.LabelFormat, options.LabelSeparator)}.");
                var unknown = options.LabelMap is { } known ? names.FirstOrDefault(n => !known.TryGetId(n, out _)) : null;
                return unknown is null ? null
                    : ("unknown label", $"label '{TextExcerpt.Of(unknown)}' (in '{TextExcerpt.Of(label)}') was not seen in training (known labels: {options.LabelMap!.Describe()}).");
            default:
                return options.LabelMap is { } fixedLabels && !fixedLabels.TryGetId(label, out _)
                    ? ("unknown label", $"label '{TextExcerpt.Of(label)}' was not seen in training (known labels: {fixedLabels.Describe()}).")
                    : null;
        }
    }

    /// <summary>Class names of all rows (the union of the lists, for multi-label); one output "LABEL_0" for regression, as transformers names it.</summary>
    private static LabelMap BuildLabelMap(List<TextClassificationExample> examples, TextClassificationDataOptions options) => options.LabelFormat switch
    {
        LabelFormat.Number => new LabelMap(["LABEL_0"]),
        LabelFormat.ClassList => LabelMap.Build(examples.SelectMany(e => LabelCells.SplitClassList(e.Label, options.LabelSeparator)!)),
        _ => LabelMap.Build(examples.Select(e => e.Label)),
    };

    private static string EmptyText(string? text) =>
        $"the text is {(text is null ? "missing" : text.Length == 0 ? "empty" : "whitespace only")}; expected non-empty text.";

    private static void RequireName(string? column, string option)
    {
        if (string.IsNullOrWhiteSpace(column)) throw new TuneSharpException($"{option} must name a column; it is empty.") { Setting = option };
    }
}
