using System.Text.Json;
using TuneSharp.Checkpoints;
using TuneSharp.Tests.Cli;
using TuneSharp.Models;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Training;

/// <summary>
/// bf16 mixed precision (<see cref="CpuAutocast"/>, <c>train --bf16</c>): matrix products in bf16 inside the scope and
/// fp32 again outside, gradients reaching the fp32 parameters, the weight-copy cache dropped between steps, and a
/// trained model that is fp32, close to the fp32 run, and reproducible.
/// </summary>
[Collection(TorchRandomCollection.Name)]
public class Bf16TrainingTests
{
    [Fact]
    public void InsideTheScopeLinearRunsInBf16AndOutsideInFp32()
    {
        Assert.True(CpuAutocast.IsAvailable);
        using var x = randn(4, 8, generator: new Generator(1));
        using var w = randn(3, 8, generator: new Generator(2)).requires_grad_(true);
        using (CpuAutocast.Enter())
        {
            using (CpuAutocast.Enter()) { } // closing an inner scope leaves the outer one on
            using var inside = nn.functional.linear(x, w);
            Assert.Equal(ScalarType.BFloat16, inside.dtype);
            using var loss = nn.functional.cross_entropy(inside, tensor(new long[] { 0, 1, 2, 0 }));
            Assert.Equal(ScalarType.Float32, loss.dtype); // libtorch's autocast keeps losses in fp32
            loss.backward();
        }
        using var outside = nn.functional.linear(x, w);
        Assert.Equal(ScalarType.Float32, outside.dtype);
        // The gradient reaches the fp32 weight, in fp32, and matches the fp32 gradient to bf16 precision.
        Assert.Equal(ScalarType.Float32, w.grad!.dtype);
        using var bf16Grad = w.grad!.clone();
        w.grad = null;
        nn.functional.cross_entropy(outside, tensor(new long[] { 0, 1, 2, 0 })).backward();
        Assert.True(bf16Grad.allclose(w.grad!, rtol: 0.05, atol: 0.01), $"max diff {(bf16Grad - w.grad!).abs().max().item<float>()}");
        Assert.False(Models.GoldenFiles.Identical(bf16Grad, w.grad!), "the bf16 gradient must come from bf16 products, not fp32 ones");
    }

    [Fact]
    public void ANewScopeSeesWeightsChangedSinceTheLastOne()
    {
        using var x = ones(2, 8);
        using var w = new TorchSharp.Modules.Parameter(ones(1, 8));
        using (CpuAutocast.Enter())
        using (var first = nn.functional.linear(x, w))
            Assert.Equal(8f, first[0, 0].to_type(ScalarType.Float32).item<float>());
        using (no_grad()) w.mul_(2); // what an optimizer step does between two forward passes
        using (CpuAutocast.Enter())
        using (var second = nn.functional.linear(x, w))
            Assert.Equal(16f, second[0, 0].to_type(ScalarType.Float32).item<float>());
    }

    [Fact]
    public void CliBf16RunTrainsAnFp32ModelCloseToTheFp32RunAndIsReproducible()
    {
        using var tmp = new TempDir();
        var run = new TinyCliRun(tmp);
        var fp32 = tmp.File("fp32");
        var bf16 = tmp.File("bf16");
        var again = tmp.File("bf16-again");
        foreach (var (dir, extra) in new[] { (fp32, Array.Empty<string>()), (bf16, ["--bf16"]), (again, ["--bf16"]) })
        {
            var result = CliRunner.Run([.. run.TrainArgs(dir, resume: false, epochs: 1), .. extra]);
            Assert.True(result.ExitCode == 0, result.Err);
        }
        Assert.Contains("\"bf16\": true", File.ReadAllText(Path.Combine(bf16, "training_args.json")));

        var bf16Weights = SafeTensors.Load(Path.Combine(bf16, "model.safetensors"));
        var fp32Weights = SafeTensors.Load(Path.Combine(fp32, "model.safetensors"));
        Assert.All(bf16Weights.Values, t => Assert.Equal(ScalarType.Float32, t.dtype));
        Assert.Contains(bf16Weights, kv => !Models.GoldenFiles.Identical(kv.Value, fp32Weights[kv.Key])); // the bf16 path really ran
        Assert.Equal(File.ReadAllBytes(Path.Combine(bf16, "model.safetensors")), File.ReadAllBytes(Path.Combine(again, "model.safetensors")));

        // Same data, seed and schedule: the training loss may differ only by bf16 rounding of the products.
        var (lossFp32, lossBf16) = (TrainLoss(fp32), TrainLoss(bf16));
        Assert.InRange(Math.Abs(lossBf16 - lossFp32), 0, 0.05 * lossFp32);
    }

    private static double TrainLoss(string dir)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "all_results.json")));
        return json.RootElement.GetProperty("train_loss").GetDouble();
    }


    [Fact]
    public void GradientCheckpointRecomputesUnderTheAutocastOfItsForwardPass()
    {
        using var layer = nn.Linear(8, 8);
        using var x = randn(4, 8, generator: new Generator(5)).requires_grad_(true);
        var seen = new List<ScalarType?>();
        Tensor Segment(Tensor h)
        {
            seen.Add(CpuAutocast.ActiveDtype);
            return layer.call(h).to_type(ScalarType.Float32).tanh();
        }
        Tensor output;
        using (CpuAutocast.Enter()) output = GradientCheckpoint.Run(Segment, x * 1, layer);
        Assert.Null(CpuAutocast.ActiveDtype); // backward runs outside the scope, as the Trainer's does
        output.sum().backward();
        Assert.Equal([ScalarType.BFloat16, ScalarType.BFloat16], seen); // the forward pass, then the recomputation
        Assert.Null(CpuAutocast.ActiveDtype);
        Assert.Equal(ScalarType.Float32, layer.weight!.grad!.dtype);
    }

    [Fact]
    public void CliBf16RunWithGradientCheckpointingTrainsCloseToTheSameRunWithout()
    {
        using var tmp = new TempDir();
        var run = new TinyCliRun(tmp);
        var plain = tmp.File("bf16");
        var recomputed = tmp.File("bf16-checkpointed");
        var first = CliRunner.Run([.. run.TrainArgs(plain, resume: false, epochs: 1), "--bf16"]);
        Assert.True(first.ExitCode == 0, first.Err);
        var second = CliRunner.Run([.. run.TrainArgs(recomputed, resume: false, epochs: 1), "--bf16", "--gradient-checkpointing"]);
        Assert.True(second.ExitCode == 0, second.Err);
        // Not bit for bit as in fp32: the segment's first pass runs without autograd, where libtorch may pick other bf16
        // kernels (e.g. matmul folding) than in the recomputation, so results differ by bf16 rounding (seen: ≤ 2e-4
        // after 12 steps at learning rate 3e-3). That the recomputation runs in bf16 at all is checked exactly by
        // GradientCheckpointRecomputesUnderTheAutocastOfItsForwardPass; this checks the combination end to end.
        var expected = SafeTensors.Load(Path.Combine(plain, "model.safetensors"));
        var actual = SafeTensors.Load(Path.Combine(recomputed, "model.safetensors"));
        // Key biases are left out: their true gradient is 0 (softmax ignores a shift shared by all keys), so AdamW
        // turns rounding noise into full-size steps on them whatever the precision.
        var differing = expected.Where(kv => !kv.Key.EndsWith("key.bias", StringComparison.Ordinal))
            .Where(kv => !kv.Value.allclose(actual[kv.Key], rtol: 0, atol: 2e-3))
            .Select(kv => $"{kv.Key} (max diff {(kv.Value - actual[kv.Key]).abs().max().item<float>():E2})").ToList();
        Assert.True(differing.Count == 0, "tensors differ beyond bf16 rounding: " + string.Join(", ", differing));
    }
}
