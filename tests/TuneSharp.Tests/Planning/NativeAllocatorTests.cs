using System.Diagnostics;
using TuneSharp.Planning;

namespace TuneSharp.Tests.Planning;

/// <summary>
/// <see cref="NativeAllocator"/> must tell which allocator a process runs on from its memory map, and the hint must be
/// given exactly when training would run on glibc's malloc.
/// </summary>
public class NativeAllocatorTests
{
    private const string Libc = "7f1c2a000000-7f1c2a028000 r--p 00000000 08:01 1234 /usr/lib/x86_64-linux-gnu/libc.so.6";

    [Theory]
    [InlineData("/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4.5.10", "tcmalloc")]
    [InlineData("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "jemalloc")]
    [InlineData("/opt/mimalloc/lib/libmimalloc.so.2", "mimalloc")]
    public void PreloadedAllocatorIsNamed(string library, string expected)
    {
        var lines = new[] { Libc, $"7f1c2b000000-7f1c2b010000 r-xp 00000000 08:01 99 {library}" };
        Assert.Equal(expected, NativeAllocator.FromMemoryMap(lines));
    }

    [Fact]
    public void OnlyTheCLibraryMeansTheSystemAllocator()
    {
        // A path that merely contains the word (a data folder) is not a loaded allocator.
        var lines = new[] { Libc, "7f1c2c000000-7f1c2c001000 r--p 00000000 08:01 7 /data/tcmalloc-notes/model.safetensors" };
        Assert.Equal("system", NativeAllocator.FromMemoryMap(lines));
    }

    [SkippableFact]
    public void ThisTestProcessIsReadFromItsOwnMemoryMap()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "/proc/self/maps exists only on Linux; test skipped.");
        var expected = NativeAllocator.FromMemoryMap(File.ReadLines("/proc/self/maps"));
        Assert.Equal(expected, NativeAllocator.Current);
        Assert.Equal(expected == "system" && Environment.GetEnvironmentVariable(NativeAllocator.ChoiceVariable) != "system", NativeAllocator.Hint is not null);
    }

    [SkippableFact]
    public void ChildStartedWithTcmallocPreloadedDetectsIt()
    {
        const string library = "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4";
        Skip.IfNot(File.Exists(library), $"{library} is not installed (Debian: apt-get install libtcmalloc-minimal4); test skipped.");
        // /bin/cat of its own memory map shows what the dynamic loader mapped for a preloaded process.
        var start = new ProcessStartInfo("/bin/cat", "/proc/self/maps") { RedirectStandardOutput = true };
        start.Environment["LD_PRELOAD"] = library;
        using var child = Process.Start(start)!;
        var lines = child.StandardOutput.ReadToEnd().Split('\n');
        child.WaitForExit();
        Assert.Equal("tcmalloc", NativeAllocator.FromMemoryMap(lines));
    }

    [SkippableTheory]
    [InlineData(null, true)]
    [InlineData("system", false)]
    public void LauncherScriptPreloadsTcmallocUnlessTheSystemAllocatorIsChosen(string? choice, bool expectPreload)
    {
        const string library = "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4";
        Skip.IfNot(File.Exists(library), $"{library} is not installed (Debian: apt-get install libtcmalloc-minimal4); test skipped.");
        var script = Path.Combine(SharedData.RepositoryRoot!, "build", "native-allocator.sh");
        var start = new ProcessStartInfo("bash", ["-c", $"source '{script}' && tunesharp_use_tcmalloc && echo \"[$LD_PRELOAD]\""])
        {
            RedirectStandardOutput = true,
        };
        start.Environment.Remove("LD_PRELOAD");
        if (choice is null) start.Environment.Remove(NativeAllocator.ChoiceVariable);
        else start.Environment[NativeAllocator.ChoiceVariable] = choice;
        using var child = Process.Start(start)!;
        var printed = child.StandardOutput.ReadToEnd().Trim();
        child.WaitForExit();
        Assert.Equal(0, child.ExitCode);
        Assert.Equal(expectPreload ? $"[{library}]" : "[]", printed);
    }
}
