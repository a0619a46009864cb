using TuneSharp.Data;

namespace TuneSharp.Tests.Data;

/// <summary>
/// A 1 GiB dataset file that is one endless line (a file with the wrong line endings, a dump without newlines) is
/// refused with the row-size error once DatasetReadOptions.MaxRowBytes (16 MiB) is exceeded, never read whole: the
/// allocations of the attempt stay far below the file size.
/// </summary>
/// <remarks>
/// Writing 1 GiB of text would take seconds and a gigabyte of disk in every test run. The file is written as 64 MiB
/// of real text and then extended to 1 GiB with SetLength, which makes the rest a sparse hole (zero bytes that take
/// no disk space). That changes nothing for the reader: it must stop within the first 2 × 16 MiB (the CSV limit is
/// approximate), long before the text ends, so the zeros are never reached — and if a regression read the file
/// whole, it would read (and allocate for) the whole gigabyte and fail the allocation bound.
/// </remarks>
public class HugeSingleLineTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private const long FileBytes = 1L << 30;
    private const int TextBytes = 64 << 20;
    private const long MaxAllocation = 100L << 20;

    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private string WriteHugeLine(string name, string header, byte filler)
    {
        var path = _tmp.File(name);
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            stream.Write(System.Text.Encoding.UTF8.GetBytes(header));
            var chunk = new byte[1 << 20];
            Array.Fill(chunk, filler);
            for (int written = 0; written < TextBytes; written += chunk.Length) stream.Write(chunk);
            stream.SetLength(FileBytes); // sparse: see the remarks
        }
        Assert.Equal(FileBytes, new FileInfo(path).Length);
        return path;
    }

    private (DataFormatException Error, long Allocated) Load(string path)
    {
        DataFormatException? error = null;
        long allocated = 0;
        // On a thread of its own so that the allocation count is this load's alone.
        var thread = new Thread(() =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            try { TextClassificationData.Load(new TextClassificationDataOptions { Path = path, TextColumn = "sentence", LabelColumn = "label" }); }
            catch (DataFormatException e) { error = e; }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        thread.Start();
        thread.Join();
        Assert.NotNull(error);
        output.WriteLine($"{allocated >> 20} MiB allocated; {error!.Message}");
        return (error!, allocated);
    }

    [Fact]
    public void AOneGigabyteCsvLineIsRefusedWithTheRowLimitAndBoundedMemory()
    {
        var path = WriteHugeLine("huge.csv", "sentence,label\n", (byte)'a');
        var (error, allocated) = Load(path);
        Assert.Contains(path, error.Message);
        Assert.Contains("line 2", error.Message);
        Assert.Contains("longer than", error.Message);
        Assert.True(allocated < MaxAllocation, $"reading allocated {allocated >> 20} MiB");
    }

    [Fact]
    public void AOneGigabyteJsonLinesLineIsRefusedWithTheRowLimitAndBoundedMemory()
    {
        var path = WriteHugeLine("huge.jsonl", "{\"sentence\": \"", (byte)'a');
        var (error, allocated) = Load(path);
        Assert.Contains(path, error.Message);
        Assert.Contains("line 1", error.Message);
        Assert.Contains("longer than", error.Message);
        Assert.True(allocated < MaxAllocation, $"reading allocated {allocated >> 20} MiB");
    }
}
