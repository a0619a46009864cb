namespace TuneSharp.Bench;

/// <summary>One row of an SST-2 file: the sentence and its 0/1 label.</summary>
internal sealed record Sst2Row(string Sentence, int Label);

/// <summary>
/// Reads the GLUE SST-2 files of ../shared/data/sst2 (header "sentence&lt;TAB&gt;label", one row a line) for the
/// benchmarks that feed sentences straight to a model instead of going through the library's data loaders.
/// </summary>
internal static class Sst2Tsv
{
    public static string DevPath => Path.Combine(BenchPaths.Shared, "data", "sst2", "dev.tsv");
    public static string TrainPath => Path.Combine(BenchPaths.Shared, "data", "sst2", "train_full.tsv");

    /// <summary>The first <paramref name="max"/> rows (all when null), in file order.</summary>
    public static List<Sst2Row> Read(string path, int? max = null)
    {
        var rows = new List<Sst2Row>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            if (max is { } m && rows.Count >= m) break;
            var tab = line.LastIndexOf('\t');
            if (tab < 0) throw new TuneSharpException($"{path}: expected 'sentence<TAB>label', got \"{line}\".");
            rows.Add(new Sst2Row(line[..tab], int.Parse(line[(tab + 1)..], System.Globalization.CultureInfo.InvariantCulture)));
        }
        return rows;
    }
}
