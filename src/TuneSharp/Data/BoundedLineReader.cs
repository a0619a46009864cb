namespace TuneSharp.Data;

/// <summary>
/// Reads a stream line by line as UTF-8 bytes (LF or CRLF), never holding more than one line of at most
/// <c>maxLineBytes</c>: a longer line is an error instead of an unbounded allocation. Splitting bytes at LF is
/// safe for UTF-8, whose multi-byte sequences never contain the byte 0x0A.
/// </summary>
internal sealed class BoundedLineReader(Stream stream, int maxLineBytes)
{
    private byte[] _buffer = new byte[Math.Min(64 * 1024, maxLineBytes + 1)];
    private int _start;
    private int _end;
    private bool _eof;

    /// <summary>The 1-based number of the line last returned (0 before the first).</summary>
    public int LineNumber { get; private set; }

    /// <summary>
    /// The next line without its line break, valid until the next call; false at the end of the stream.
    /// Throws <see cref="LineTooLongException"/> for a line longer than the limit.
    /// </summary>
    public bool TryReadLine(out ReadOnlyMemory<byte> line)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                line = Take(newline, consumed: newline + 1);
                return true;
            }
            if (_end - _start > maxLineBytes) throw new LineTooLongException(LineNumber + 1);
            if (_eof)
            {
                if (_start == _end)
                {
                    line = default;
                    return false;
                }
                line = Take(_end - _start, consumed: _end - _start);
                return true;
            }
            Fill();
        }
    }

    private ReadOnlyMemory<byte> Take(int length, int consumed)
    {
        if (length > maxLineBytes) throw new LineTooLongException(LineNumber + 1);
        var line = _buffer.AsMemory(_start, length);
        if (line.Span.EndsWith("\r"u8)) line = line[..^1];
        // A byte order mark is not part of the first line's text.
        if (LineNumber == 0 && line.Span.StartsWith("\uFEFF"u8)) line = line[3..];
        _start += consumed;
        LineNumber++;
        return line;
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            // Room for the longest allowed line and its line break, no more.
            var size = (int)Math.Min((long)_buffer.Length * 2, (long)maxLineBytes + 2);
            Array.Resize(ref _buffer, size);
        }
        var read = stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _eof = true;
        _end += read;
    }
}

/// <summary>A line longer than the reader's limit; the caller turns it into a <see cref="DataFormatException"/>.</summary>
internal sealed class LineTooLongException(int line) : Exception($"Line {line} is too long.")
{
    public int Line { get; } = line;
}
