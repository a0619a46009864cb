using System.Text.Json;

namespace TuneSharp.Data;

/// <summary>
/// A JSON file whose top level is an array of objects, read element by element with <see cref="Utf8JsonReader"/>
/// over a buffer that holds one element at a time (at most <c>maxRowBytes</c>), so the file is never loaded whole.
/// </summary>
internal sealed class JsonArrayRowSource : JsonObjectRowSource
{
    private static readonly JsonReaderOptions ReaderOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    private readonly FileStream _stream;
    private readonly int _maxRowBytes;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _eof;
    private JsonReaderState _state = new(ReaderOptions);
    private int _line = 1; // the line of _buffer[_start]
    private bool _inArray;
    private bool _done;

    private enum Step { Element, Skipped, NeedMore, Done }

    public JsonArrayRowSource(string path, int maxRowBytes, BadRowSink sink) : base(sink)
    {
        _maxRowBytes = maxRowBytes;
        _buffer = new byte[Math.Min(64 * 1024, maxRowBytes + 8)];
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
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
        while (!_done)
        {
            switch (NextStep(out var line, out var offset, out var length))
            {
                case Step.Element:
                    yield return (line, _buffer.AsMemory(offset, length));
                    break;
                case Step.NeedMore:
                    Fill();
                    break;
            }
        }
    }

    /// <summary>
    /// Reads one token (a whole value for an element) from the buffered bytes. The reader's position and state
    /// are kept only when the step completes, so a step that runs out of bytes is simply retried after
    /// <see cref="Fill"/>.
    /// </summary>
    private Step NextStep(out int line, out int offset, out int length)
    {
        line = offset = length = 0;
        var bytes = _buffer.AsSpan(_start, _end - _start);
        if (_eof && bytes.Trim(" \t\r\n"u8).IsEmpty)
            throw Sink.Fatal(_line, null, _inArray
                ? "the file ends before the JSON array is closed; expected ']'."
                : "the file is empty; expected a JSON array of objects.");
        var reader = new Utf8JsonReader(bytes, _eof, _state);
        try
        {
            if (!reader.Read()) return Step.NeedMore; // at the end of the file, Read throws instead
            if (!_inArray)
            {
                if (reader.TokenType != JsonTokenType.StartArray)
                    throw Sink.Fatal(_line, null, $"expected a JSON array of objects ('[' first), found {reader.TokenType}. " +
                        "For one object per line, name the file .jsonl or set format to jsonl.");
                _inArray = true;
                Commit(ref reader, bytes);
                return Step.Skipped;
            }
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                _done = true;
                return Step.Done;
            }
            var tokenStart = (int)reader.TokenStartIndex;
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                return Step.NeedMore;
            line = _line + bytes[..tokenStart].Count((byte)'\n');
            offset = _start + tokenStart;
            length = (int)reader.BytesConsumed - tokenStart;
            Commit(ref reader, bytes);
            return Step.Element;
        }
        catch (JsonException e)
        {
            // The reader's state carries its line count across buffers, so the line is from the start of the file.
            var errorLine = e.LineNumber is { } l ? (int)l + 1 : _line;
            throw Sink.Fatal(errorLine, null, $"the file is not valid JSON: {e.Message}", e);
        }
    }

    private void Commit(ref Utf8JsonReader reader, ReadOnlySpan<byte> bytes)
    {
        var consumed = (int)reader.BytesConsumed;
        _line += bytes[..consumed].Count((byte)'\n');
        _start += consumed;
        _state = reader.CurrentState;
    }

    private void Fill()
    {
        if (_end - _start > _maxRowBytes)
        {
            // Name the line the element starts on: past the separator and whitespace before it.
            var pending = _buffer.AsSpan(_start, _end - _start);
            var lead = pending.IndexOfAnyExcept(" \t\r\n,"u8);
            var line = _line + pending[..Math.Max(lead, 0)].Count((byte)'\n');
            throw Sink.Fatal(line, null, $"an element of the JSON array is longer than the limit of {_maxRowBytes} bytes.");
        }
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
            Array.Resize(ref _buffer, (int)Math.Min((long)_buffer.Length * 2, (long)_maxRowBytes + 8));
        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _eof = true;
        _end += read;
        // A UTF-8 byte order mark before the '[' is not part of the JSON.
        if (!_inArray && _start == 0 && _buffer.AsSpan(0, _end).StartsWith("\uFEFF"u8)) _start = 3;
    }

    public override void Dispose() => _stream.Dispose();
}
