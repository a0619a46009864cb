using Parquet.Meta;

namespace TuneSharp.Data;

/// <summary>
/// Checks a column chunk's page headers before Parquet.Net decodes its pages. Parquet.Net trusts the sizes it reads (the
/// page sizes, the value counts, the Snappy length prefix) and allocates them before it notices that the data is
/// damaged: one flipped bit can make it allocate a gigabyte. This walks the pages the way Parquet.Net will (same first
/// offset, same header decoder: <see cref="ParquetThriftDecoder"/>, each header first walked by <see cref="ThriftShape"/>
/// and read within the chunk) and refuses sizes
/// that cannot be right: a page reaching past its chunk, more values than the row group has rows, a Snappy prefix that
/// disagrees with the page header, or an uncompressed page larger than the compressed one could ever expand to.
/// </summary>
internal static class ParquetPageCheck
{
    private const int MaxCompressionRatio = 1024; // far above real codecs' ratios on real pages
    private const long RatioFloor = 1 << 20;      // tiny pages may expand a lot (a run of identical values)

    /// <summary>A description of what is wrong with the chunk, or null when its pages look sound.</summary>
    /// <param name="file">The Parquet file (its position is restored).</param>
    /// <param name="chunk">The column chunk's metadata from the footer.</param>
    /// <param name="rowCount">The row group's row count; a flat column's chunk holds exactly this many values.</param>
    /// <param name="repeated">
    /// Whether the chunk is a list column's leaf, which holds one value (level entry) per item and per empty or null list:
    /// at least <paramref name="rowCount"/>, and as many as the chunk claims. Its pages must add up to the chunk's count, so
    /// that one damaged count (in the chunk or in a page) is caught before Parquet.Net allocates it.
    /// </param>
    public static string? FindProblem(Stream file, ColumnChunk chunk, long rowCount, bool repeated = false)
    {
        ParquetThriftDecoder.EnsureAvailable();
        if (chunk.MetaData is not { } meta) return "the column chunk has no metadata";
        // Parquet.Net reads pages until it has the chunk's value count, from the lowest of these offsets that is set.
        if (!repeated && meta.NumValues != rowCount) return $"the column chunk claims {meta.NumValues} values in a row group of {rowCount} rows";
        if (repeated && (meta.NumValues < rowCount || meta.NumValues > int.MaxValue))
            return $"the column chunk claims {meta.NumValues} list items and empty lists in a row group of {rowCount} rows";
        var expected = meta.NumValues;
        var start = new[] { meta.DictionaryPageOffset ?? 0, meta.DataPageOffset, meta.IndexPageOffset ?? 0 }.Where(o => o != 0).DefaultIfEmpty(0).Min();
        var end = start + meta.TotalCompressedSize;
        if (start < 4 || meta.TotalCompressedSize <= 0 || end > file.Length)
            return $"the column chunk at byte {start} ({meta.TotalCompressedSize} bytes) lies outside the {file.Length}-byte file";
        var saved = file.Position;
        try
        {
            long values = 0;
            for (var position = start; values < expected;)
            {
                if (position >= end)
                    return repeated
                        ? $"its data pages end at byte {end} with {values} of the {expected} values its column chunk claims"
                        : $"its data pages end at byte {end} with {values} of the row group's {rowCount} values";
                using var chunkRest = new EndCheckedStream(file, position, end - position);
                ThriftShape.Walk(chunkRest);
                chunkRest.Position = 0;
                var page = ParquetThriftDecoder.DecodePageHeader(chunkRest);
                var dataStart = position + chunkRest.Position;
                if (page.CompressedPageSize < 0 || page.UncompressedPageSize < 0 || dataStart + page.CompressedPageSize > end)
                    return $"the page at byte {position} claims {page.CompressedPageSize} bytes, past the end of its column chunk (byte {end})";
                if (Describe(page) is not { } shape) return $"the page at byte {position} is a {page.Type} page without its {page.Type} header";
                if (!repeated && (shape.Values < 0 || shape.Values > rowCount))
                    return $"the page at byte {position} claims {shape.Values} values in a row group of {rowCount} rows";
                if (repeated && (shape.Values < 0 || shape.Values > (shape.IsData ? expected - values : expected)))
                    return $"the page at byte {position} claims {shape.Values} values, more than the {expected - values} left of the {expected} its column chunk claims";
                if (SizeProblem(file, meta.Codec, page, shape, dataStart) is { } problem) return $"the page at byte {position}: {problem}";
                if (shape.IsData) values += shape.Values;
                position = dataStart + page.CompressedPageSize;
            }
            return values == expected ? null
                : repeated ? $"its data pages hold {values} values but the column chunk claims {expected}"
                : $"its data pages hold {values} values but the row group has {rowCount} rows";
        }
        catch (Exception e)
        {
            return e is EndOfStreamException
                ? "a page header is damaged: decoding it runs past the end of its column chunk"
                : $"a page header is damaged ({e.Message})";
        }
        finally
        {
            file.Position = saved;
        }
    }

    /// <summary>What a page header says about the values it holds, by page type; null when the type's header is missing.</summary>
    private readonly record struct PageShape(long Values, bool IsData, long LevelBytes, bool ValuesCompressed);

    private static PageShape? Describe(PageHeader page) => page.Type switch
    {
        PageType.DATA_PAGE => page.DataPageHeader is { } v1 ? new PageShape(v1.NumValues, true, 0, true) : null,
        PageType.DATA_PAGE_V2 => page.DataPageHeaderV2 is { } v2
            ? new PageShape(v2.NumValues, true, (long)v2.DefinitionLevelsByteLength + v2.RepetitionLevelsByteLength, v2.IsCompressed ?? true)
            : null,
        PageType.DICTIONARY_PAGE => page.DictionaryPageHeader is { } d ? new PageShape(d.NumValues, false, 0, true) : null,
        _ => new PageShape(0, false, 0, true), // index pages: Parquet.Net refuses them with an error of its own
    };

    private static string? SizeProblem(Stream file, CompressionCodec codec, PageHeader page, PageShape shape, long dataStart)
    {
        var compressedPart = page.CompressedPageSize - shape.LevelBytes;
        var uncompressedPart = page.UncompressedPageSize - shape.LevelBytes;
        if (compressedPart < 0 || uncompressedPart < 0) return "its level sizes exceed the page";
        if (codec == CompressionCodec.UNCOMPRESSED || !shape.ValuesCompressed)
            return page.UncompressedPageSize == page.CompressedPageSize ? null : $"uncompressed but {page.UncompressedPageSize} ≠ {page.CompressedPageSize} bytes";
        if (uncompressedPart > compressedPart * (long)MaxCompressionRatio + RatioFloor)
            return $"{compressedPart} compressed bytes cannot expand to the {uncompressedPart} it claims";
        if (codec != CompressionCodec.SNAPPY || compressedPart == 0) return null;
        using var values = new EndCheckedStream(file, dataStart + shape.LevelBytes, compressedPart);
        var prefix = ThriftShape.ReadVarint(values); // a Snappy block starts with its uncompressed length
        return prefix == (ulong)uncompressedPart ? null : $"its Snappy data claims {prefix} bytes, the page header {uncompressedPart}";
    }
}
