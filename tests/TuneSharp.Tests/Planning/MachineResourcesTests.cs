using TuneSharp.Planning;

namespace TuneSharp.Tests.Planning;

public class MachineResourcesTests
{
    [Fact]
    public void Reads_total_and_available_memory_from_proc_meminfo_text()
    {
        const string text = "MemTotal:       24576000 kB\nMemFree:         1000000 kB\nMemAvailable:   20480000 kB\nBuffers:          1 kB\n";
        Assert.Equal((24576000L * 1024, 20480000L * 1024), MachineResources.ParseMemInfo(text));
        Assert.Null(MachineResources.ParseMemInfo("MemTotal: 100 kB\n")); // a kernel without MemAvailable
    }

    [Fact]
    public void This_machine_reports_memory_cores_and_free_disk_under_a_folder_that_does_not_exist_yet()
    {
        var machine = MachineResources.Current();
        Assert.True(machine.TotalMemoryBytes > 0 && machine.AvailableMemoryBytes > 0 && machine.AvailableMemoryBytes <= machine.TotalMemoryBytes, machine.ToString());
        Assert.Equal(Environment.ProcessorCount, machine.LogicalCores);
        Assert.True(MachineResources.FreeDiskBytes(Path.Combine(Path.GetTempPath(), "tunesharp-no-such-folder", "out")) > 0);
    }
}
