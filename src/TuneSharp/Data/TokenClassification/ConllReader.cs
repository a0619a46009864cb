using System.Text;
using System.Text.Unicode;

namespace TuneSharp.Data;

/// <summary>
/// Reads a CoNLL file: one token per line, its columns separated by spaces or tabs (the token first, the tag in the
/// chosen column), blank lines between sentences, <c>-DOCSTART-</c> lines between documents (skipped; they end a
/// sentence too). Every token line must have as many columns as the file's first one. Lines are strict UTF-8, LF or
/// CRLF, and may have a byte order mark and trailing whitespace. A bad line (wrong column count, invalid UTF-8) makes
/// its whole sentence bad, reported once at that line.
/// </summary>
internal static class ConllReader
{
    private static ReadOnlySpan<byte> DocumentStart => "-DOCSTART-"u8;
    private static ReadOnlySpan<byte> Separators => " \t"u8;

    /// <param name="path">The file.</param>
    /// <param name="labelColumn">See <see cref="TokenClassificationDataOptions.ConllLabelColumn"/>.</param>
    /// <param name="sink">Where bad sentences go.</param>
    public static List<TaggedSentence> Read(string path, int labelColumn, BadRowSink sink)
    {
        using var stream = OpenFile(path, sink);
        var lines = new BoundedLineReader(stream, DatasetReadOptions.DefaultMaxRowBytes);
        var sentences = new List<TaggedSentence>();
        var tokens = new List<string>();
        var tags = new List<string>();
        var sentenceLine = 0;
        var bad = false;
        var columnCount = 0; // set by the first token line
        var firstTokenLine = 0;
        var labelIndex = 0;
        var columns = new List<Range>();
        var tagNames = new TagNames();

        void EndSentence()
        {
            if (tokens.Count > 0 && !bad) sentences.Add(new TaggedSentence([.. tokens], [.. tags], sentenceLine, OneTokenPerLine: true));
            tokens.Clear();
            tags.Clear();
            bad = false;
        }

        while (NextLine(lines, sink, out var bytes))
        {
            var lineNumber = lines.LineNumber;
            var trimmed = bytes.Span.Trim(" \t\r\f\v"u8);
            if (trimmed.IsEmpty)
            {
                EndSentence();
                continue;
            }
            if (bad)
            {
                // The rest of a bad sentence is left out with it, up to a blank line or a document start.
                if (IsDocumentStart(trimmed)) EndSentence();
                continue;
            }
            if (tokens.Count == 0) sentenceLine = lineNumber;
            if (!Utf8.IsValid(trimmed))
            {
                sink.Report(lineNumber, null, "invalid UTF-8", "the text is not valid UTF-8; expected UTF-8. Re-encode the file as UTF-8.");
                bad = true;
                continue;
            }
            FindColumns(trimmed, columns);
            if (IsDocumentStart(trimmed[columns[0]]))
            {
                EndSentence();
                continue;
            }
            if (columnCount == 0)
            {
                columnCount = columns.Count;
                firstTokenLine = lineNumber;
                labelIndex = LabelIndex(columns.Count, Encoding.UTF8.GetString(trimmed[columns[0]]), labelColumn, lineNumber, sink);
            }
            else if (columns.Count != columnCount)
            {
                sink.Report(lineNumber, null, "wrong column count",
                    $"the line has {columns.Count} column{(columns.Count == 1 ? "" : "s")} but the file's first token line (line {firstTokenLine}) has {columnCount}; " +
                    $"expected {columnCount} columns separated by spaces or tabs on every token line (a blank line ends a sentence).");
                bad = true;
                continue;
            }
            tokens.Add(Encoding.UTF8.GetString(trimmed[columns[0]]));
            tags.Add(tagNames.Get(trimmed[columns[labelIndex]]));
        }
        EndSentence();
        return sentences;
    }

    /// <summary>Whether a line (or its first column) starts a document: "-DOCSTART-" alone or followed by its other columns.</summary>
    private static bool IsDocumentStart(ReadOnlySpan<byte> line) =>
        line.StartsWith(DocumentStart) && (line.Length == DocumentStart.Length || line[DocumentStart.Length] is (byte)' ' or (byte)'\t');

    /// <summary>The ranges of the space- or tab-separated columns of a trimmed, non-empty line.</summary>
    private static void FindColumns(ReadOnlySpan<byte> line, List<Range> columns)
    {
        columns.Clear();
        var start = 0;
        while (start < line.Length)
        {
            var length = line[start..].IndexOfAny(Separators);
            var end = length < 0 ? line.Length : start + length;
            columns.Add(start..end);
            start = end;
            while (start < line.Length && line[start] is (byte)' ' or (byte)'\t') start++;
        }
    }

    /// <summary>One string per distinct tag, so 200,000 "O" tags are one string, not 200,000.</summary>
    private sealed class TagNames
    {
        private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
        private char[] _buffer = new char[64];

        public TagNames() => _lookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();

        public string Get(ReadOnlySpan<byte> utf8)
        {
            if (_buffer.Length < utf8.Length) _buffer = new char[utf8.Length];
            var chars = _buffer.AsSpan(0, Encoding.UTF8.GetChars(utf8, _buffer));
            if (_lookup.TryGetValue(chars, out var name)) return name;
            name = new string(chars);
            _names.Add(name, name);
            return name;
        }
    }

    /// <summary>The 0-based column of the tag, checked against the first token line's columns.</summary>
    private static int LabelIndex(int columnCount, string firstColumn, int labelColumn, int line, BadRowSink sink)
    {
        if (columnCount < 2)
            throw sink.Fatal(line, null, $"the first token line has one column ('{TextExcerpt.Of(firstColumn, 60)}'); " +
                "expected a token and its tag separated by spaces or tabs (CoNLL: token, other columns, tag).");
        var index = labelColumn < 0 ? columnCount + labelColumn : labelColumn;
        if (index < 1 || index >= columnCount)
            throw sink.Fatal(line, null, $"conll_label_column is {labelColumn}, but the token lines have {columnCount} columns; expected " +
                $"1..{columnCount - 1} counting from the left (0 is the token) or -1..-{columnCount - 1} from the right (-1 is the last).");
        return index;
    }

    private static FileStream OpenFile(string path, BadRowSink sink)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw sink.Fatal(null, null, $"it cannot be read: {e.Message}", e);
        }
    }

    private static bool NextLine(BoundedLineReader lines, BadRowSink sink, out ReadOnlyMemory<byte> line)
    {
        try
        {
            return lines.TryReadLine(out line);
        }
        catch (LineTooLongException e)
        {
            throw sink.Fatal(e.Line, null, $"the line is longer than the limit of {DatasetReadOptions.DefaultMaxRowBytes:N0} bytes; expected one token and its tags per line.");
        }
    }
}
