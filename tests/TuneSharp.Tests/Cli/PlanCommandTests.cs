using TuneSharp.Models;
using TuneSharp.Tests.Tasks.TextClassification;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Cli;

/// <summary><c>tunesharp plan</c> answers before any training, with train's flags, and <c>train</c> prints the same plan first.</summary>
public class PlanCommandTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private string[] RunArgs(string command, string output)
    {
        var model = TinyTextClassification.BaseModelFolder(_tmp.File("base"));
        var train = _tmp.File("train.tsv");
        File.WriteAllLines(train, ["sentence\tlabel", .. TinyTextClassification.Dataset(80, seed: 3).Examples.Select(e => $"{e.Text}\t{e.Label}")]);
        return [command, "--model", model, "--train", train, "--text-column", "sentence", "--output", output,
            "--num-train-epochs", "2", "--per-device-train-batch-size", "16", "--max-length", "32"];
    }

    [Fact]
    public void Plan_prints_memory_disk_and_time_and_writes_nothing()
    {
        var output = _tmp.File("out");
        var (code, stdout, stderr) = CliRunner.Run(RunArgs("plan", output));
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("plan: peak memory", stdout);
        Assert.Contains(": fits", stdout);
        Assert.Contains("disk:", stdout);
        Assert.Contains("for 10 steps", stdout); // 72 training rows after the 10% split: ceil(72 / 16) = 5 steps × 2 epochs
        Assert.Contains("train: 72 examples", stderr);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Train_reports_the_plan_before_training()
    {
        var output = _tmp.File("out");
        var (code, stdout, stderr) = CliRunner.Run(RunArgs("train", output));
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("validation accuracy", stdout);
        var plan = stderr.IndexOf("plan: peak memory", StringComparison.Ordinal);
        Assert.True(plan >= 0 && plan < stderr.IndexOf("step ", StringComparison.Ordinal), stderr);
    }
}
