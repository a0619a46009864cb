namespace TuneSharp.Data;

/// <summary>
/// Checks a Parquet file's footer (the Thrift-encoded FileMetaData before the trailing length and "PAR1") before
/// Parquet.Net is given the file. Parquet.Net 6.1 decodes the footer from a MemoryStream of its own, where a damaged
/// length or count sends its varint reader past the end into an endless loop (see <see cref="EndCheckedStream"/>), and
/// a damaged string length makes it allocate up to 2 GB. The footer is walked here first (<see cref="ThriftShape"/>),
/// then decoded with Parquet.Net's own decoder on a stream that throws at the end, so those files get a named error.
/// </summary>
internal static class ParquetFooterCheck
{
    private static ReadOnlySpan<byte> Magic => "PAR1"u8;

    /// <summary>A description of what is wrong with the footer, or null when Parquet.Net can decode it within its bytes.</summary>
    public static string? FindProblem(Stream file)
    {
        ParquetThriftDecoder.EnsureAvailable();
        var length = file.Length;
        if (length < 12) return $"the file has {length} bytes, fewer than an empty Parquet file";
        var saved = file.Position;
        try
        {
            Span<byte> tail = stackalloc byte[8];
            file.Position = length - 8;
            file.ReadExactly(tail);
            if (!tail[4..].SequenceEqual(Magic)) return "it does not end with \"PAR1\"";
            var footerLength = (long)BitConverter.ToUInt32(tail[..4]); // Parquet's length is little-endian, as is every platform this runs on
            if (footerLength == 0 || footerLength > length - 12)
                return $"its footer claims {footerLength} bytes, but {length - 12} lie between the magic numbers";
            Span<byte> head = stackalloc byte[4];
            file.Position = 0;
            file.ReadExactly(head);
            if (!head.SequenceEqual(Magic)) return "it does not start with \"PAR1\"";
            using var footer = new EndCheckedStream(file, length - 8 - footerLength, footerLength);
            ThriftShape.Walk(footer);
            footer.Position = 0;
            ParquetThriftDecoder.DecodeFileMetaData(footer);
            return null;
        }
        catch (EndOfStreamException)
        {
            return "its footer is damaged: decoding it runs past its end";
        }
        catch (Exception e)
        {
            return $"its footer is damaged ({e.Message})";
        }
        finally
        {
            file.Position = saved;
        }
    }
}
