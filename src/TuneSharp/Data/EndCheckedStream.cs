namespace TuneSharp.Data;

/// <summary>
/// A read-only, seekable view of bytes [start, start + length) of another stream that throws
/// <see cref="EndOfStreamException"/> when a read begins at the end, where a plain stream returns -1 or 0. Parquet.Net
/// 6.1 reads Thrift varints byte by byte and takes ReadByte's -1 for the byte 0xFF, whose continuation bit keeps the
/// varint going for ever: given this stream, a damaged file that sends it past the end fails instead of hanging.
/// </summary>
internal sealed class EndCheckedStream : Stream
{
    private readonly Stream _inner;
    private readonly long _start;
    private readonly bool _leaveOpen;
    private long _position;

    public EndCheckedStream(Stream inner, long start, long length, bool leaveOpen = true)
    {
        if (start < 0 || length < 0 || start + length > inner.Length) throw new ArgumentOutOfRangeException(nameof(length));
        (_inner, _start, Length, _leaveOpen) = (inner, start, length, leaveOpen);
    }

    /// <summary>The whole of <paramref name="bytes"/>.</summary>
    public static EndCheckedStream Over(byte[] bytes) => new(new MemoryStream(bytes, writable: false), 0, bytes.Length, leaveOpen: false);

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length { get; }

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new IOException("a seek before the start of the data");
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.Length == 0) return 0;
        if (_position >= Length) throw new EndOfStreamException("a read past the end of the data");
        _inner.Position = _start + _position;
        var read = _inner.Read(buffer[..(int)Math.Min(buffer.Length, Length - _position)]);
        _position += read;
        return read;
    }

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        ReadExactly(one); // throws at the end (Read does), so no -1
        return one[0];
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => Length + offset,
    };

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_leaveOpen) _inner.Dispose();
        base.Dispose(disposing);
    }
}
