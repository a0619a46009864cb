using TuneSharp.Tests.Tasks.TextClassification;

namespace TuneSharp.Tests.Training;

/// <summary>
/// A non-root user training into a folder they cannot write gets a clear error before the model loads (it was an
/// unhandled UnauthorizedAccessException in the output lock). Tests run as root, for whom permissions stop nothing, so
/// the CLI runs in a child process as the unprivileged user "nobody" (setpriv).
/// </summary>
public class ReadOnlyOutputTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [SkippableFact]
    public void AFolderTheUserCannotWriteIsNamedBeforeTheModelLoads()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root" && File.Exists("/usr/bin/setpriv"),
            "needs root and setpriv to run the CLI as an unprivileged user");
        // The CLI must be reachable by "nobody" (a checkout under a private home folder is not): probe it first.
        var (probe, probeLog) = RunAsNobody(["--version"]);
        Skip.IfNot(probe == 0, $"the unprivileged user cannot run the CLI from {CliChildProcess.CliDll}: {probeLog.Split('\n')[0]}");
        File.SetUnixFileMode(_tmp.Path, (UnixFileMode)Convert.ToInt32("755", 8)); // nobody may read the fixtures...
        var model = TinyTextClassification.BaseModelFolder(_tmp.File("base"));
        var train = _tmp.File("train.tsv");
        File.WriteAllLines(train, new[] { "sentence\tlabel" }.Concat(TinyTextClassification.Dataset(24, seed: 3).Examples.Select(e => $"{e.Text}\t{e.Label}")));
        var readOnly = _tmp.File("read-only");
        Directory.CreateDirectory(readOnly);
        File.SetUnixFileMode(readOnly, (UnixFileMode)Convert.ToInt32("555", 8)); // ...but not write here

        foreach (var output in new[] { readOnly, Path.Combine(readOnly, "run") })
        {
            var (code, log) = RunAsNobody(["train", "--model", model, "--train", train, "--text-column", "sentence", "--output", output,
                "--num-train-epochs", "1", "--max-length", "16"]);
            Assert.True(code == 1, $"exit {code}:\n{log}");
            Assert.Contains(output, log);
            Assert.Contains("permission denied", log);
            Assert.DoesNotContain("Exception", log);
            Assert.DoesNotContain("trainable params", log); // refused before the model was built
        }
        Assert.Empty(Directory.GetFileSystemEntries(readOnly));
    }

    private static (int Code, string Log) RunAsNobody(string[] args)
    {
        using var child = CliChildProcess.Start(args, new Dictionary<string, string?> { ["HOME"] = "/tmp", ["DOTNET_CLI_HOME"] = "/tmp" },
            wrapper: "/usr/bin/setpriv", wrapperArgs: ["--reuid=65534", "--regid=65534", "--clear-groups"]);
        return (child.WaitForExit(TimeSpan.FromMinutes(2)), child.Output);
    }
}
