using TuneSharp.Tokenization.ChatTemplates;

namespace TuneSharp.Data;

/// <summary>
/// Loads causal-LM datasets: plain text (.txt) and text rows become documents (continued pre-training); Alpaca and
/// chat rows become conversations (supervised fine-tuning through a chat template).
/// </summary>
public static class CausalLmData
{
    private const string ExpectedFile = "a causal-LM data file (.txt plain text, or .jsonl / .json / .csv / .tsv / .parquet rows)";

    /// <summary>
    /// Reads the file as <paramref name="options"/> say. A plain text file gives one document per non-blank line (as
    /// transformers' "text" loader gives one row per line; run_clm's <c>group_texts</c> joins them again, so only the
    /// EOS between lines differs). Row files: text rows need non-blank text; Alpaca rows a non-blank instruction and an
    /// output (<c>input</c> and <c>system</c> are read when the first row has them); chat rows a non-empty list of
    /// messages with roles system (first only), user or assistant and string contents. A bad row throws
    /// <see cref="DataFormatException"/> naming the file, the line (and for a JSON array the row), the field and what
    /// was expected, or is skipped, as <see cref="CausalLmDataOptions.OnBadRow"/> says; a plain text file that is not
    /// UTF-8 is always an error. A file with no usable row is an error.
    /// </summary>
    public static CausalLmDataset Load(CausalLmDataOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxSamples is < 1) throw new TuneSharpException($"max_samples must be at least 1; got {options.MaxSamples}.") { Setting = "max_samples" };
        TabularReader.CheckFileExists(options.Path, ExpectedFile);
        var plainText = options.Format == CausalLmDataFormat.PlainText
            || options.Format is null && options.FileFormat is null && Path.GetExtension(options.Path).Equals(".txt", StringComparison.OrdinalIgnoreCase);
        return plainText ? ReadPlainText(options) : ReadRows(options);
    }

    private static CausalLmDataset ReadPlainText(CausalLmDataOptions options)
    {
        var lines = TextLinesFile.Read(options.Path);
        if (options.MaxSamples is { } max && lines.Count > max) lines = lines.Take(max).ToList();
        var locations = lines.Select((l, i) => new CausalLmRowLocation(l.Number, i + 1)).ToArray();
        return CausalLmDataset.FromDocuments(lines.Select(l => l.Text).ToArray(), locations, options.Path);
    }

    private static CausalLmDataset ReadRows(CausalLmDataOptions options)
    {
        RequireName(options.TextColumn, "text_column");
        RequireName(options.MessagesColumn, "messages_column");
        if (options.FileFormat is null && DatasetFormats.FromExtension(options.Path) is null)
            throw new DataFormatException($"Cannot tell the format of dataset file '{options.Path}' from its extension '{Path.GetExtension(options.Path)}': " +
                "expected .txt, .jsonl, .json, .csv, .tsv or .parquet, or set the format explicitly.", options.Path, null, null);
        var fileFormat = DatasetFormats.Resolve(options.Path, options.FileFormat);

        // The first row's keys (or the header) decide what the rows hold and which optional Alpaca fields are read.
        IReadOnlyList<string> available;
        using (var probe = TabularReader.Open(options.Path, new DatasetReadOptions { Format = fileFormat, OnBadRow = options.OnBadRow, JsonColumns = null, Columns = null }))
            available = probe.Columns;
        var format = options.Format ?? Detect(available, options, fileFormat);
        var reader = CausalLmRowReader.For(format, available, options);
        using var stream = TabularReader.Open(options.Path, new DatasetReadOptions
        {
            Format = fileFormat, Columns = reader.Columns, JsonColumns = reader.JsonColumns, OnBadRow = options.OnBadRow,
        });
        var sink = stream.BadRows;
        var documents = new List<string>();
        var conversations = new List<IReadOnlyList<ChatMessage>>();
        var locations = new List<CausalLmRowLocation>();
        int rowsSeen = 0, ownSkips = 0;
        foreach (var row in stream.Rows)
        {
            // Rows the file reader skipped (malformed JSON ...) still count in the numbering of a JSON array's rows.
            var number = ++rowsSeen + (sink.Skipped.Count - ownSkips);
            var location = new CausalLmRowLocation(row.Line, fileFormat == DatasetFormat.Parquet ? row.Line : number);
            var read = reader.Read(row);
            if (read.Problem is { } problem)
            {
                var where = fileFormat == DatasetFormat.Json ? $"row {number} of the JSON array: " : "";
                sink.Report(row.Line, problem.Field, problem.Reason, where + problem.Detail);
                ownSkips++;
                continue;
            }
            if (read.Document is { } document) documents.Add(document);
            else conversations.Add(read.Conversation!);
            locations.Add(location);
            if (locations.Count == options.MaxSamples) break;
        }
        if (locations.Count == 0) throw TabularReader.NoRows(sink);
        return format is CausalLmDataFormat.Text
            ? CausalLmDataset.FromDocuments(documents, locations, options.Path, sink.Skipped, format, fileFormat)
            : CausalLmDataset.FromConversations(conversations, locations, options.Path, sink.Skipped, format, fileFormat);
    }

    /// <summary>The first row's columns say what the rows hold: messages → chat, instruction and output → Alpaca, text → text.</summary>
    private static CausalLmDataFormat Detect(IReadOnlyList<string> columns, CausalLmDataOptions options, DatasetFormat fileFormat)
    {
        if (columns.Contains(options.MessagesColumn, StringComparer.Ordinal)) return CausalLmDataFormat.Chat;
        if (columns.Contains(CausalLmRowReader.Instruction, StringComparer.Ordinal) && columns.Contains(CausalLmRowReader.Output, StringComparer.Ordinal))
            return CausalLmDataFormat.Alpaca;
        if (columns.Contains(options.TextColumn, StringComparer.Ordinal)) return CausalLmDataFormat.Text;
        var noun = fileFormat is DatasetFormat.Csv or DatasetFormat.Tsv ? "header" : fileFormat == DatasetFormat.Parquet ? "schema" : "first row";
        throw new DataFormatException($"Invalid dataset file '{options.Path}': cannot tell what its rows hold. The columns of its {noun} are " +
            $"{string.Join(", ", columns.Select(c => $"'{c}'"))}; expected a '{options.MessagesColumn}' column (chat messages), " +
            $"'{CausalLmRowReader.Instruction}' and '{CausalLmRowReader.Output}' (Alpaca) or a '{options.TextColumn}' column (plain text). " +
            "Set text_column or messages_column to the column to read.", options.Path, null, null);
    }

    private static void RequireName(string? column, string option)
    {
        if (string.IsNullOrWhiteSpace(column)) throw new TuneSharpException($"{option} must name a column; it is empty.") { Setting = option };
    }
}
