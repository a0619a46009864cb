using System.Text.Json;

namespace TuneSharp.Data;

/// <summary>
/// Loads extractive question-answering datasets: SQuAD JSON files (v1.1, and v2.0 with unanswerable questions) and flat
/// JSON Lines / JSON / Parquet rows with a question, a context and nested answers (in Parquet a struct of lists, as
/// Hugging Face datasets writes SQuAD).
/// </summary>
public static class QuestionAnsweringData
{
    private const string ExpectedFile = "a question answering data file (SQuAD .json, or .jsonl / .json / .parquet rows)";

    /// <summary>
    /// Reads the file as <paramref name="options"/> say. Every question must have a non-blank question and context, and
    /// every answer must be found at its answer_start (code points, as Python counts them) in the context; answers are
    /// checked and converted to .NET string indices (<see cref="AnswerSpan"/>). A bad question throws
    /// <see cref="DataFormatException"/> naming the file, where (line, or for SQuAD files the question's number and its
    /// place <c>data[i].paragraphs[j].qas[k]</c>) and what was expected, or is skipped, as
    /// <see cref="QuestionAnsweringDataOptions.OnBadRow"/> says. Question ids must be unique (always an error).
    /// </summary>
    public static QuestionAnsweringDataset Load(QuestionAnsweringDataOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var format = CheckPath(options.Path, options.Format);
        var (examples, sink) = format == DatasetFormat.Json && StartsWithObject(options.Path)
            ? SquadJsonReader.Read(options.Path, options.OnBadRow)
            : ReadRows(options, format);
        if (examples.Count == 0) throw TabularReader.NoRows(sink);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var example in examples)
            if (!seen.TryAdd(example.Id, example.Line))
                throw sink.Fatal(example.Line, null, $"the question id '{TextExcerpt.Of(example.Id)}' was already used at {sink.LineNoun} {seen[example.Id]}; ids must be unique (predictions and scores are matched by id).");
        return new QuestionAnsweringDataset(examples, options.Path, sink.Skipped);
    }

    /// <summary>
    /// Checks, without reading it, that <paramref name="path"/> names an existing file in a format question answering
    /// reads (JSON, JSON Lines or Parquet): the check a command makes before loading a model.
    /// </summary>
    /// <exception cref="DataFormatException">The path is empty, missing or a folder, or the format is CSV or TSV.</exception>
    public static DatasetFormat CheckPath(string path, DatasetFormat? format = null)
    {
        TabularReader.CheckFileExists(path, ExpectedFile);
        var resolved = format ?? DatasetFormats.FromExtension(path) ?? throw new DataFormatException(
            $"Cannot tell the format of dataset file '{path}' from its name: expected SQuAD JSON (.json), JSON Lines (.jsonl) or Parquet (.parquet), " +
            "or set the file format explicitly (format: json, jsonl or parquet).", path, null, null);
        if (resolved is not (DatasetFormat.Json or DatasetFormat.Jsonl or DatasetFormat.Parquet))
            throw new DataFormatException($"Dataset file '{path}' is read as {resolved.ToString().ToUpperInvariant()}, which cannot hold the nested answers " +
                "of question answering; expected SQuAD JSON (.json), JSON Lines rows (.jsonl) or Parquet rows (.parquet) with question, context and answers.", path, null, null);
        return resolved;
    }

    // A SQuAD file is one JSON object; a flat JSON file is an array of rows.
    private static bool StartsWithObject(string path)
    {
        using var stream = File.OpenRead(path);
        int b;
        do b = stream.ReadByte(); while (b is ' ' or '\t' or '\r' or '\n' or 0xEF or 0xBB or 0xBF);
        return b == '{';
    }

    private static (List<QuestionAnsweringExample>, BadRowSink) ReadRows(QuestionAnsweringDataOptions options, DatasetFormat format)
    {
        foreach (var (column, setting) in new[] { (options.QuestionColumn, "question_column"), (options.ContextColumn, "context_column"), (options.AnswersColumn, "answers_column"), (options.IdColumn, "id_column") })
            if (string.IsNullOrWhiteSpace(column)) throw new TuneSharpException($"{setting} must name a column; it is empty.") { Setting = setting };
        // The question and context must exist; the id and answers may be absent from the file (ids from lines, no answers
        // for prediction-only files), so the first row's keys decide which are read.
        IReadOnlyList<string> available;
        using (var probe = TabularReader.Open(options.Path, new DatasetReadOptions { Format = format, OnBadRow = options.OnBadRow }))
            available = probe.Columns;
        var columns = new List<string> { options.QuestionColumn, options.ContextColumn };
        bool hasId = available.Contains(options.IdColumn), hasAnswers = available.Contains(options.AnswersColumn);
        if (hasId) columns.Add(options.IdColumn);
        if (hasAnswers) columns.Add(options.AnswersColumn);
        using var stream = TabularReader.Open(options.Path, new DatasetReadOptions
        {
            Format = format, Columns = columns.Distinct().ToArray(), JsonColumns = hasAnswers ? [options.AnswersColumn] : null, OnBadRow = options.OnBadRow,
        });
        var sink = stream.BadRows;
        var examples = new List<QuestionAnsweringExample>();
        foreach (var row in stream.Rows)
        {
            var id = hasId ? row[options.IdColumn] : null;
            if (hasId && string.IsNullOrWhiteSpace(id)) { sink.Report(row.Line, options.IdColumn, "missing id", "the question id is missing or empty; expected a unique id."); continue; }
            var answers = hasAnswers ? row.GetJson(options.AnswersColumn) : null;
            var example = QuestionAnsweringChecks.Example(id ?? row.Line.ToString(System.Globalization.CultureInfo.InvariantCulture),
                row[options.QuestionColumn], row[options.ContextColumn], answers, row.Line, sink,
                new QuestionAnsweringChecks.Columns(options.QuestionColumn, options.ContextColumn, options.AnswersColumn), where: null);
            if (example is not null) examples.Add(example);
        }
        return (examples, sink);
    }
}
