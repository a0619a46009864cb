using System.Text;
using System.Text.Json;

namespace TuneSharp.Bench;

/// <summary>Writes a benchmark's figures as JSON and as a Markdown table, with the machine they were measured on.</summary>
internal static class ResultsFile
{
    public static void Write(string name, string title, IReadOnlyDictionary<string, object> figures, string? notes = null)
    {
        var record = new Dictionary<string, object>
        {
            ["benchmark"] = name,
            ["date_utc"] = DateTime.UtcNow.ToString("u"),
            ["machine"] = new Dictionary<string, object>
            {
                ["processors"] = Environment.ProcessorCount,
                ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                ["dotnet"] = Environment.Version.ToString(),
                ["allocator"] = TuneSharp.Planning.NativeAllocator.Current ?? "unknown",
            },
            ["results"] = figures,
        };
        if (notes is not null) record["notes"] = notes;
        var json = Path.Combine(BenchPaths.Results, name + ".json");
        File.WriteAllText(json, JsonSerializer.Serialize(record, new JsonSerializerOptions { WriteIndented = true }));

        var md = new StringBuilder($"# {title}\n\nMeasured {DateTime.UtcNow:u} on {Environment.ProcessorCount} cores, allocator {TuneSharp.Planning.NativeAllocator.Current ?? "unknown"}.\n\n| figure | value |\n|---|---|\n");
        foreach (var (k, v) in figures) md.Append($"| {k} | {Format(v)} |\n");
        if (notes is not null) md.Append($"\n{notes}\n");
        File.WriteAllText(Path.Combine(BenchPaths.Results, name + ".md"), md.ToString());
        Console.WriteLine($"results: {json}");
    }

    private static string Format(object v) => v switch
    {
        double d => d.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture),
        System.Collections.IEnumerable and not string => "(in the JSON file; table below)",
        _ => v.ToString() ?? "",
    };
}
