using System.Text;
using System.Text.Unicode;
using CsvHelper;

namespace TuneSharp.Data;

/// <summary>
/// CSV and TSV through CsvHelper. CSV uses RFC 4180 quoting; TSV treats quotes as ordinary characters, because
/// TSV datasets such as GLUE's SST-2 contain unbalanced <c>"</c> inside sentences that quoting would misread.
/// </summary>
internal sealed class CsvRowSource : IRowSource
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly CsvReader _reader;
    private readonly BadRowSink _sink;
    private readonly int _maxRowBytes;
    private readonly string _separatorName;
    // Filled by CsvHelper's callback while it scans; inspected after every record it returns.
    private readonly Queue<CsvMalformedRecord> _malformed = new();

    public CsvRowSource(string path, DatasetFormat format, int maxRowBytes, BadRowSink sink)
    {
        _sink = sink;
        _maxRowBytes = maxRowBytes;
        var tsv = format == DatasetFormat.Tsv;
        _separatorName = tsv ? "tab" : "comma";
        var options = CsvReaderOptions.Default with
        {
            Separator = tsv ? '\t' : ',',
            Mode = tsv ? CsvMode.NoEscape : CsvMode.Rfc4180,
            HasHeader = true,
            TrackLineNumbers = true,
            SkipEmptyLines = true,
            TrimWhitespace = false,
            DetectSeparatorHint = false,
            MalformedData = CsvMalformedDataHandling.Recover,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            OnMalformedRecord = tsv ? null : _malformed.Enqueue,
            MaxRecordSize = maxRowBytes,
            // The size limit is checked when the buffer must grow, so the buffer starts no larger than the limit.
            BufferSize = Math.Clamp(maxRowBytes, 256, 64 * 1024),
        };
        _reader = CsvReader.FromFile(path, options);
        try
        {
            AvailableColumns = ReadHeader();
        }
        catch
        {
            _reader.Dispose();
            throw;
        }
    }

    public IReadOnlyList<string> AvailableColumns { get; }

    private IReadOnlyList<string> ReadHeader()
    {
        string[] headers;
        try
        {
            headers = _reader.Headers.ToArray();
        }
        catch (CsvFormatException e)
        {
            throw Translate(e);
        }
        // Invalid UTF-8 in the header shows up as replacement characters in the names.
        var bad = Array.FindIndex(headers, h => h.Contains('\uFFFD'));
        if (bad >= 0)
            throw _sink.Fatal(1, null, $"header field {bad + 1} is not valid UTF-8 (or contains U+FFFD); expected UTF-8 text. Re-encode the file as UTF-8.");
        var duplicate = headers.GroupBy(h => h, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw _sink.Fatal(1, duplicate.Key, "the header names this column more than once; expected unique column names.");
        return headers;
    }

    public IEnumerable<TabularRow> ReadRows(RowLayout layout)
    {
        var header = AvailableColumns.ToList();
        var fieldIndexes = layout.Columns.Select(c => header.IndexOf(c)).ToArray();
        var fieldCount = AvailableColumns.Count;
        while (ReadNext())
        {
            var line = checked((int)_reader.LineNumber);
            if (_reader.FieldCount != fieldCount)
            {
                _sink.Report(line, null, "wrong field count",
                    $"expected {fieldCount} {_separatorName}-separated fields as in the header, found {_reader.FieldCount}.");
                continue;
            }
            var values = new string?[fieldIndexes.Length];
            if (!Utf8.IsValid(_reader.RawRecord))
            {
                var column = Enumerable.Range(0, fieldCount).Select(i => (i, valid: Utf8.IsValid(_reader.GetSpan(i)))).FirstOrDefault(f => !f.valid).i;
                _sink.Report(line, AvailableColumns[column], "invalid UTF-8", "the text is not valid UTF-8; expected UTF-8. Re-encode the file as UTF-8.");
                continue;
            }
            for (var i = 0; i < fieldIndexes.Length; i++)
                values[i] = StrictUtf8.GetString(_reader.GetSpan(fieldIndexes[i]));
            yield return new TabularRow(line, values, layout);
        }
    }

    /// <summary>Advances to the next record, turning CsvHelper's errors and reports into ours.</summary>
    private bool ReadNext()
    {
        bool read;
        try
        {
            read = _reader.Read();
        }
        catch (CsvFormatException e)
        {
            throw Translate(e);
        }
        while (_malformed.TryDequeue(out var problem))
        {
            // A quote that is never closed swallows the rest of the file into one field: no row after it can be trusted.
            if (problem.Reason == CsvMalformedReason.UnterminatedQuote)
                throw _sink.Fatal(checked((int)problem.LineNumber), null,
                    "unterminated quote: a quoted field starts here and is never closed, so the rest of the file was read into it. " +
                    "Expected a closing \"; write a quote inside a quoted field as \"\".");
            // Stray quotes inside unquoted fields are kept as text, which is what the author meant.
        }
        return read;
    }

    private DataFormatException Translate(CsvFormatException e)
    {
        var line = e.LineNumber > 0 ? (int?)checked((int)e.LineNumber) : null;
        var detail = e.Message.Contains("MaxRecordSize", StringComparison.Ordinal)
            ? $"a row is longer than the limit of {_maxRowBytes} bytes; is a quote left open, or is the file not {_separatorName}-separated?"
            : $"the file is not valid {(_separatorName == "tab" ? "TSV" : "CSV")}: {e.Message}";
        return _sink.Fatal(line, null, detail, e);
    }

    public void Dispose() => _reader.Dispose();
}
