namespace TuneSharp.Data;

/// <summary>
/// Walks one Thrift compact-protocol struct (the encoding of Parquet's footer and page headers) without decoding it, and
/// fails where a length or an element count claims more than the bytes left, where the data ends early, or where
/// structs nest implausibly deep. Parquet.Net allocates whatever length it reads before it reads the bytes (a damaged
/// string length in a footer is a 2 GB array), so this runs first; Parquet.Net's own decoder runs after it (see
/// <see cref="ParquetThriftDecoder"/>). Written by hand: no served package offers a bounded Thrift walk.
/// </summary>
internal static class ThriftShape
{
    private const int BoolTrue = 1, BoolFalse = 2, Struct = 12;
    private const int MaxDepth = 16;

    /// <summary>Walks the struct at the stream's position; throws <see cref="FormatException"/> or <see cref="EndOfStreamException"/>.</summary>
    public static void Walk(Stream s) => WalkStruct(s, 0);

    private static void WalkStruct(Stream s, int depth)
    {
        if (depth > MaxDepth) throw new FormatException("structures nested too deeply");
        while (true)
        {
            var header = ReadByte(s);
            if (header == 0) return;
            if (header >> 4 == 0) ReadVarint(s); // a field id of its own, not a delta
            Skip(s, header & 0x0F, depth);
        }
    }

    private static void Skip(Stream s, int type, int depth)
    {
        switch (type)
        {
            case BoolTrue or BoolFalse: return; // a struct field's boolean lives in its header
            case 3: ReadByte(s); return;
            case 4 or 5 or 6: ReadVarint(s); return;
            case 7: Advance(s, 8); return;
            case 8: Advance(s, ReadCount(s)); return;
            case 9 or 10:
                var listHeader = ReadByte(s);
                var size = (long)(listHeader >> 4);
                if (size == 15) size = ReadCount(s);
                CheckCount(s, size);
                for (long i = 0; i < size; i++) SkipElement(s, listHeader & 0x0F, depth);
                return;
            case 11:
                var count = ReadCount(s);
                if (count == 0) return;
                var kinds = ReadByte(s);
                CheckCount(s, count);
                for (long i = 0; i < count; i++)
                {
                    SkipElement(s, kinds >> 4, depth);
                    SkipElement(s, kinds & 0x0F, depth);
                }
                return;
            case Struct: WalkStruct(s, depth + 1); return;
            default: throw new FormatException($"unknown field type {type}");
        }
    }

    // In lists, sets and maps a boolean takes a byte of its own, so every element takes at least one byte.
    private static void SkipElement(Stream s, int type, int depth)
    {
        if (type is BoolTrue or BoolFalse) ReadByte(s);
        else Skip(s, type, depth);
    }

    private static void CheckCount(Stream s, long count)
    {
        if (count > s.Length - s.Position) throw new FormatException($"a list claims {count} elements in {s.Length - s.Position} bytes");
    }

    private static void Advance(Stream s, long bytes)
    {
        if (bytes > s.Length - s.Position) throw new FormatException($"a field claims {bytes} bytes, {s.Length - s.Position} are left");
        s.Position += bytes;
    }

    private static long ReadCount(Stream s) =>
        ReadVarint(s) is var value && value <= long.MaxValue ? (long)value : throw new FormatException("a length or count is larger than any file");

    private static int ReadByte(Stream s) => s.ReadByte() is var b and >= 0 ? b : throw new EndOfStreamException("the data ends inside a Thrift structure");

    /// <summary>An unsigned LEB128 varint, as Thrift and Snappy write lengths.</summary>
    public static ulong ReadVarint(Stream s)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            var b = ReadByte(s);
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw new FormatException("a number is longer than 64 bits");
    }
}
