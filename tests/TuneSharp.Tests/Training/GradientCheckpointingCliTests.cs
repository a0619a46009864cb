using TuneSharp.Tests.Cli;

namespace TuneSharp.Tests.Training;

/// <summary><c>train --gradient-checkpointing</c>: the recomputed layers give exactly the model of an ordinary run.</summary>
[Collection(TorchRandomCollection.Name)]
public class GradientCheckpointingCliTests
{
    [Fact]
    public void ACheckpointedRunWritesTheSameWeightsAsAnOrdinaryOne()
    {
        using var tmp = new TempDir();
        var run = new TinyCliRun(tmp);
        var plain = tmp.File("plain");
        var recomputed = tmp.File("recomputed");
        var first = CliRunner.Run(run.TrainArgs(plain, resume: false, epochs: 1));
        Assert.True(first.ExitCode == 0, first.Err);
        var second = CliRunner.Run([.. run.TrainArgs(recomputed, resume: false, epochs: 1), "--gradient-checkpointing"]);
        Assert.True(second.ExitCode == 0, second.Err);
        // Dropout (0.1) is on, so equality also proves that the recomputation drew the same dropout masks.
        Assert.Equal(File.ReadAllBytes(Path.Combine(plain, "model.safetensors")), File.ReadAllBytes(Path.Combine(recomputed, "model.safetensors")));
        Assert.Contains("\"gradient_checkpointing\": true", File.ReadAllText(Path.Combine(recomputed, "training_args.json")));
    }
}
