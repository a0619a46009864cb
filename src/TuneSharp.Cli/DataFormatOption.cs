using System.CommandLine;
using TuneSharp.Data;

namespace TuneSharp.Cli;

/// <summary><c>--format</c>: the format of data files whose extension does not say it (a .dat file, a CSV named .txt).</summary>
internal static class DataFormatOption
{
    public static Option<string?> Create()
    {
        var option = new Option<string?>("--format") { Description = "Data file format when the extension does not tell: csv | tsv | jsonl | json | parquet" };
        option.AcceptOnlyFromAmong([.. Enum.GetNames<DatasetFormat>().Select(n => n.ToLowerInvariant())]);
        return option;
    }

    public static DatasetFormat? Parse(string? value) => value is null ? null : Enum.Parse<DatasetFormat>(value, ignoreCase: true);
}
