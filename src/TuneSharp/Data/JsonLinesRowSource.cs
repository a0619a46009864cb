namespace TuneSharp.Data;

/// <summary>JSON Lines: one JSON object per line; blank lines are ignored.</summary>
internal sealed class JsonLinesRowSource : JsonObjectRowSource
{
    private readonly FileStream _stream;
    private readonly BoundedLineReader _lines;
    private readonly int _maxRowBytes;

    public JsonLinesRowSource(string path, int maxRowBytes, BadRowSink sink) : base(sink)
    {
        _maxRowBytes = maxRowBytes;
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        _lines = new BoundedLineReader(_stream, maxRowBytes);
        try
        {
            ReadFirstObject();
        }
        catch
        {
            _stream.Dispose();
            throw;
        }
    }

    protected override IEnumerable<(int Line, ReadOnlyMemory<byte> Json)> Elements()
    {
        while (NextLine(out var line))
        {
            if (line.Span.Trim(" \t"u8).IsEmpty) continue;
            yield return (_lines.LineNumber, line);
        }
    }

    private bool NextLine(out ReadOnlyMemory<byte> line)
    {
        try
        {
            return _lines.TryReadLine(out line);
        }
        catch (LineTooLongException e)
        {
            throw Sink.Fatal(e.Line, null, $"the line is longer than the limit of {_maxRowBytes} bytes; expected one JSON object per line.");
        }
    }

    public override void Dispose() => _stream.Dispose();
}
