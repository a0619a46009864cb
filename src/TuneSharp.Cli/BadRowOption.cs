using System.CommandLine;
using TuneSharp.Data;

namespace TuneSharp.Cli;

/// <summary><c>--on-bad-row error|skip</c>: what to do with a data row that cannot be used (train, plan and evaluate).</summary>
internal static class BadRowOption
{
    public static Option<string> Create()
    {
        var option = new Option<string>("--on-bad-row") { Description = "error | skip", DefaultValueFactory = _ => "error" };
        option.AcceptOnlyFromAmong("error", "skip");
        return option;
    }

    public static BadRowPolicy Parse(string? value) => value == "skip" ? BadRowPolicy.Skip : BadRowPolicy.Error;
}
