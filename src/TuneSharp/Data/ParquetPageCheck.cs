using Parquet.Meta;

namespace TuneSharp.Data;

/// <summary>
/// Checks a column chunk's page headers before Parquet.Net decodes it. Parquet.Net trusts the sizes it reads (the
/// page sizes, the value counts, the Snappy length prefix) and allocates them before it notices that the data is
/// damaged: one flipped bit can make it allocate a gigabyte. This walks the pages with a small Thrift compact-protocol
/// reader and refuses sizes that cannot be right: a page reaching past its chunk, more values than the row group has
/// rows, a Snappy prefix that disagrees with the page header, or an uncompressed page that is larger than the
/// compressed one could ever expand to.
/// </summary>
internal static class ParquetPageCheck
{
    private const int MaxCompressionRatio = 1024; // far above real codecs' ratios on real pages
    private const long RatioFloor = 1 << 20;      // tiny pages may expand a lot (a run of identical values)

    /// <summary>A description of what is wrong with the chunk, or null when its pages look sound.</summary>
    /// <param name="rowCount">The row group's row count; a flat column's data pages hold exactly this many values.</param>
    public static string? FindProblem(Stream file, ColumnChunk chunk, long rowCount)
    {
        if (chunk.MetaData is not { } meta) return null;
        var start = meta.DictionaryPageOffset is { } dictionary && dictionary > 0 ? Math.Min(dictionary, meta.DataPageOffset) : meta.DataPageOffset;
        var end = start + meta.TotalCompressedSize;
        if (start < 4 || meta.TotalCompressedSize <= 0 || end > file.Length)
            return $"the column chunk at byte {start} ({meta.TotalCompressedSize} bytes) lies outside the {file.Length}-byte file";
        var saved = file.Position;
        try
        {
            long values = 0;
            for (var position = start; position < end;)
            {
                file.Position = position;
                var page = PageHeader.Read(file);
                var dataStart = file.Position;
                if (page.Compressed < 0 || page.Uncompressed < 0 || dataStart + page.Compressed > end)
                    return $"the page at byte {position} claims {page.Compressed} bytes, past the end of its column chunk (byte {end})";
                if (page.Values < 0 || page.Values > rowCount)
                    return $"the page at byte {position} claims {page.Values} values in a row group of {rowCount} rows";
                if (SizeProblem(file, meta.Codec, page, dataStart) is { } problem) return $"the page at byte {position}: {problem}";
                if (page.IsData) values += page.Values;
                position = dataStart + page.Compressed;
            }
            return values == rowCount ? null : $"its data pages hold {values} values but the row group has {rowCount} rows";
        }
        catch (Exception e) when (e is FormatException or EndOfStreamException)
        {
            return $"a page header is damaged ({e.Message})";
        }
        finally
        {
            file.Position = saved;
        }
    }

    private static string? SizeProblem(Stream file, CompressionCodec codec, PageHeader page, long dataStart)
    {
        var compressedPart = page.Compressed - page.LevelBytes;
        var uncompressedPart = page.Uncompressed - page.LevelBytes;
        if (compressedPart < 0 || uncompressedPart < 0) return "its level sizes exceed the page";
        if (codec == CompressionCodec.UNCOMPRESSED || !page.ValuesCompressed)
            return page.Uncompressed == page.Compressed ? null : $"uncompressed but {page.Uncompressed} ≠ {page.Compressed} bytes";
        if (uncompressedPart > compressedPart * (long)MaxCompressionRatio + RatioFloor)
            return $"{compressedPart} compressed bytes cannot expand to the {uncompressedPart} it claims";
        if (codec != CompressionCodec.SNAPPY || compressedPart == 0) return null;
        file.Position = dataStart + page.LevelBytes;
        var prefix = ThriftCompact.ReadVarint(file); // a Snappy block starts with its uncompressed length
        return prefix == (ulong)uncompressedPart ? null : $"its Snappy data claims {prefix} bytes, the page header {uncompressedPart}";
    }

    /// <summary>The fields of a PageHeader (parquet.thrift) this check needs.</summary>
    private readonly record struct PageHeader(long Uncompressed, long Compressed, long Values, bool IsData, long LevelBytes, bool ValuesCompressed)
    {
        public static PageHeader Read(Stream s)
        {
            long uncompressed = -1, compressed = -1, values = 0, levelBytes = 0;
            bool isData = false, valuesCompressed = true;
            ThriftCompact.ReadStruct(s, 0, (id, type) =>
            {
                switch (id, type)
                {
                    case (2, ThriftCompact.I32): uncompressed = ThriftCompact.ReadZigZag(s); return true;
                    case (3, ThriftCompact.I32): compressed = ThriftCompact.ReadZigZag(s); return true;
                    case (5 or 7 or 8, ThriftCompact.Struct): // data page, dictionary page, data page v2
                        isData = id != 7;
                        ThriftCompact.ReadStruct(s, 1, (inner, innerType) =>
                        {
                            switch (inner, innerType)
                            {
                                case (1, ThriftCompact.I32): values = ThriftCompact.ReadZigZag(s); return true;
                                case (5 or 6, ThriftCompact.I32) when id == 8: levelBytes += ThriftCompact.ReadZigZag(s); return true;
                                case (7, ThriftCompact.BoolTrue) when id == 8: return true;
                                case (7, ThriftCompact.BoolFalse) when id == 8: valuesCompressed = false; return true;
                                default: return false;
                            }
                        });
                        return true;
                    default: return false;
                }
            });
            if (uncompressed < 0 || compressed < 0) throw new FormatException("it lacks the page sizes");
            return new PageHeader(uncompressed, compressed, values, isData, levelBytes, valuesCompressed);
        }
    }

    /// <summary>Just enough of Thrift's compact protocol to walk a struct and skip what is not needed.</summary>
    private static class ThriftCompact
    {
        public const int BoolTrue = 1, BoolFalse = 2, I32 = 5, Struct = 12;
        private const int MaxDepth = 16;

        /// <summary>Reads fields until the stop byte; <paramref name="field"/> consumes those it wants (returns true).</summary>
        public static void ReadStruct(Stream s, int depth, Func<int, int, bool> field)
        {
            if (depth > MaxDepth) throw new FormatException("structures nested too deeply");
            int id = 0;
            while (true)
            {
                var header = ReadByte(s);
                if (header == 0) return;
                var type = header & 0x0F;
                var delta = header >> 4;
                id = delta != 0 ? id + delta : (int)ReadZigZag(s);
                if (!field(id, type)) Skip(s, type, depth);
            }
        }

        private static void Skip(Stream s, int type, int depth)
        {
            switch (type)
            {
                case BoolTrue or BoolFalse: return;
                case 3: ReadByte(s); return;
                case 4 or I32 or 6: ReadVarint(s); return;
                case 7: Advance(s, 8); return;
                case 8: Advance(s, ReadCount(s)); return;
                case 9 or 10:
                    var listHeader = ReadByte(s);
                    var size = (long)(listHeader >> 4);
                    if (size == 15) size = ReadCount(s);
                    for (long i = 0; i < size; i++) SkipElement(s, listHeader & 0x0F, depth);
                    return;
                case 11:
                    var count = ReadCount(s);
                    if (count == 0) return;
                    var kinds = ReadByte(s);
                    for (long i = 0; i < count; i++)
                    {
                        SkipElement(s, kinds >> 4, depth);
                        SkipElement(s, kinds & 0x0F, depth);
                    }
                    return;
                case Struct: ReadStruct(s, depth + 1, (_, _) => false); return;
                default: throw new FormatException($"unknown field type {type}");
            }
        }

        // In lists, sets and maps a boolean takes a byte of its own.
        private static void SkipElement(Stream s, int type, int depth)
        {
            if (type is BoolTrue or BoolFalse) ReadByte(s);
            else Skip(s, type, depth);
        }

        private static void Advance(Stream s, long bytes)
        {
            if (bytes < 0 || s.Position + bytes > s.Length) throw new EndOfStreamException("a field reaches past the end of the file");
            s.Position += bytes;
        }

        // A length or element count: one beyond long's range cannot describe anything in a file.
        private static long ReadCount(Stream s) =>
            ReadVarint(s) is var value && value <= long.MaxValue ? (long)value : throw new FormatException("a length or count is larger than any file");

        private static int ReadByte(Stream s) => s.ReadByte() is var b and >= 0 ? b : throw new EndOfStreamException("the file ends inside a page header");

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

        public static long ReadZigZag(Stream s)
        {
            var raw = ReadVarint(s);
            return (long)(raw >> 1) ^ -(long)(raw & 1);
        }
    }
}
