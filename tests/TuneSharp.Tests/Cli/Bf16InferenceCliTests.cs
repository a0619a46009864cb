using System.Text.Json.Nodes;
using TuneSharp.Tests.Training;

namespace TuneSharp.Tests.Cli;

/// <summary><c>predict --bf16</c> / <c>evaluate --bf16</c>: the model runs in bfloat16 and agrees with float32.</summary>
[Collection(TorchRandomCollection.Name)]
public class Bf16InferenceCliTests
{
    [Fact]
    public void Bf16PredictionsAgreeWithFloat32()
    {
        using var tmp = new TempDir();
        var run = new TinyCliRun(tmp);
        var output = tmp.File("model");
        var train = CliRunner.Run([.. run.TrainArgs(output, resume: false, epochs: 2)]);
        Assert.True(train.ExitCode == 0, train.Err);

        var inputs = tmp.File("inputs.txt");
        File.WriteAllLines(inputs, TuneSharp.Tests.Tasks.TextClassification.TinyTextClassification.Dataset(40, seed: 21).Examples.Select(e => e.Text));
        JsonNode[] Predict(params string[] extra)
        {
            var result = CliRunner.Run(["predict", "--model", output, "--input", inputs, .. extra]);
            Assert.True(result.ExitCode == 0, result.Err);
            return result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToArray();
        }
        var fp32 = Predict();
        var bf16 = Predict("--bf16");
        Assert.Equal(40, bf16.Length);
        var agree = fp32.Zip(bf16).Count(p => p.First["label"]!.GetValue<string>() == p.Second["label"]!.GetValue<string>());
        var maxScoreDiff = fp32.Zip(bf16).Max(p => Math.Abs(p.First["score"]!.GetValue<double>() - p.Second["score"]!.GetValue<double>()));
        // bfloat16 keeps 8 significant bits (relative rounding 2^-9 ≈ 0.2% per operation): labels agree, scores differ by rounding.
        Assert.True(agree >= 39, $"{agree}/40 labels agree");
        Assert.True(maxScoreDiff is > 0 and < 0.05, $"max score difference {maxScoreDiff}"); // > 0: the model really ran in bf16
    }
}
