using System.Globalization;

namespace TuneSharp.Planning;

/// <summary>What this machine offers a training run: memory, cores and free disk where the output goes.</summary>
/// <param name="TotalMemoryBytes">Physical memory this process may use: the machine's, or a container's limit when lower.</param>
/// <param name="AvailableMemoryBytes">Memory the kernel could hand out now without swapping (Linux MemAvailable); the total elsewhere.</param>
/// <param name="LogicalCores">Logical processors.</param>
public sealed record MachineResources(long TotalMemoryBytes, long AvailableMemoryBytes, int LogicalCores)
{
    /// <summary>This machine, now.</summary>
    public static MachineResources Current()
    {
        // The GC's figure already honours container (cgroup) memory limits; /proc/meminfo gives what is free right now.
        // A configured GC heap hard limit replaces the GC's figure but bounds only the managed heap, not libtorch's
        // tensors: then /proc/meminfo alone says what the machine has.
        var gcTotal = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var info = OperatingSystem.IsLinux() && File.Exists("/proc/meminfo") ? ParseMemInfo(File.ReadAllText("/proc/meminfo")) : null;
        var total = info is { } i ? (HeapHardLimitConfigured() ? i.Total : Math.Min(i.Total, gcTotal)) : gcTotal;
        var available = info is { } j ? Math.Min(j.Available, total) : total;
        return new MachineResources(total, available, Environment.ProcessorCount);
    }

    // The runtimeconfig.json names and the environment-variable names (DOTNET_ or COMPlus_ prefixed) of the GC's heap limits.
    private static readonly (string Config, string Variable)[] HeapHardLimitSettings =
        [("System.GC.HeapHardLimit", "GCHeapHardLimit"), ("System.GC.HeapHardLimitPercent", "GCHeapHardLimitPercent")];

    private static bool HeapHardLimitConfigured() =>
        HeapHardLimitSettings.Any(s => AppContext.GetData(s.Config) is not null
            || Environment.GetEnvironmentVariable("DOTNET_" + s.Variable) is not null || Environment.GetEnvironmentVariable("COMPlus_" + s.Variable) is not null);

    /// <summary>MemTotal and MemAvailable from the text of <c>/proc/meminfo</c> (kB lines), or null when either is missing.</summary>
    public static (long Total, long Available)? ParseMemInfo(string text)
    {
        long? total = null, available = null;
        foreach (var line in text.Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kb)) continue;
            if (parts[0] == "MemTotal:") total = kb * 1024;
            else if (parts[0] == "MemAvailable:") available = kb * 1024;
        }
        return total is { } t && available is { } a ? (t, a) : null;
    }

    /// <summary>Free bytes on the file system that holds <paramref name="path"/> (or its nearest existing parent); null when unknown.</summary>
    public static long? FreeDiskBytes(string path)
    {
        try
        {
            var existing = Path.GetFullPath(path);
            while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent) existing = parent;
            return new DriveInfo(existing).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
