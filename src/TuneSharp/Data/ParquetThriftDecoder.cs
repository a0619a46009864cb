using System.Reflection;
using FileMetaData = Parquet.Meta.FileMetaData;
using PageHeader = Parquet.Meta.PageHeader;

namespace TuneSharp.Data;

/// <summary>
/// Parquet.Net's own decoders for the Thrift structures of a Parquet file (the footer's FileMetaData, page headers),
/// reached by reflection because the library offers no public way to run them on a stream of our choosing. Running
/// them first on an <see cref="EndCheckedStream"/> shows exactly how Parquet.Net will read damaged bytes, so the checks
/// (<see cref="ParquetFooterCheck"/>, <see cref="ParquetPageCheck"/>) judge what Parquet.Net will see, not a second
/// reading of the format. The Parquet.Net version is pinned; a unit test fails if these members move.
/// </summary>
internal static class ParquetThriftDecoder
{
    private const BindingFlags Any = BindingFlags.Public | BindingFlags.NonPublic;

    private static readonly Type? ReaderType =
        typeof(FileMetaData).Assembly.GetType("Parquet.Meta.Proto.ThriftCompactProtocolReader");

    private static readonly ConstructorInfo? ReaderConstructor = ReaderType?.GetConstructor(Any | BindingFlags.Instance, [typeof(Stream)]);
    private static readonly MethodInfo? ReadFileMetaData = StaticRead(typeof(FileMetaData));
    private static readonly MethodInfo? ReadPageHeader = StaticRead(typeof(PageHeader));

    private static MethodInfo? StaticRead(Type type) => ReaderType is null ? null : type.GetMethod("Read", Any | BindingFlags.Static, [ReaderType]);

    /// <summary>Null when the decoders were found, else what is missing (a Parquet.Net version this was not built for).</summary>
    public static string? MissingMembers =>
        ReaderConstructor is null ? "Parquet.Meta.Proto.ThriftCompactProtocolReader(Stream)"
        : ReadFileMetaData is null ? "Parquet.Meta.FileMetaData.Read"
        : ReadPageHeader is null ? "Parquet.Meta.PageHeader.Read"
        : null;

    /// <summary>Decodes a footer; throws what Parquet.Net throws (an <see cref="EndOfStreamException"/> past the end).</summary>
    public static FileMetaData DecodeFileMetaData(Stream footer) => (FileMetaData)Decode(ReadFileMetaData, footer);

    /// <summary>Decodes the page header at the stream's position, leaving the position after it.</summary>
    public static PageHeader DecodePageHeader(Stream stream) => (PageHeader)Decode(ReadPageHeader, stream);

    /// <summary>Throws when the decoders are missing; called before any decoding, so damage and a missing decoder never mix.</summary>
    public static void EnsureAvailable()
    {
        if (MissingMembers is { } missing)
            throw new InvalidOperationException($"this build of TuneSharp cannot check Parquet files with this Parquet.Net version: {missing} is missing");
    }

    private static object Decode(MethodInfo? read, Stream stream)
    {
        EnsureAvailable();
        try
        {
            return read!.Invoke(null, [ReaderConstructor!.Invoke([stream])])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(inner).Throw();
            throw; // not reached
        }
    }
}
