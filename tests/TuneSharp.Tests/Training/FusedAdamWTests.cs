using TorchSharp;
using TorchSharp.Modules;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Training;

/// <summary>
/// <see cref="FusedAdamW"/> must make TorchSharp's AdamW update (the reference: torch.optim.AdamW's algorithm) on the
/// optimizer's own state: same parameters, moments and step counts after several steps, per group settings honoured,
/// parameters without a gradient left alone, and the optimizer's own path used where the fused one does not apply.
/// </summary>
public class FusedAdamWTests
{
    // Sizes: a scalar-tail-only tensor, one that is not a multiple of the vector width, one split across threads.
    private static readonly long[][] Shapes = [[3], [37, 5], [300, 257]];

    [Fact]
    public void SameUpdateAsTorchSharpAdamWOverSeveralStepsWithTwoGroups()
    {
        var (reference, referenceOptimizer) = Setup(seed: 1);
        var (fused, fusedOptimizer) = Setup(seed: 1);
        for (var step = 1; step <= 6; step++)
        {
            SetGradients(reference, step);
            SetGradients(fused, step);
            // A schedule changes the learning rate between steps; both must follow it.
            OptimizerSetup.SetLearningRate(referenceOptimizer, 1e-2 / step);
            OptimizerSetup.SetLearningRate(fusedOptimizer, 1e-2 / step);
            referenceOptimizer.step();
            FusedAdamW.Step(fusedOptimizer);
        }

        var referenceStates = referenceOptimizer.state_dict().State.Cast<AdamW.State>().ToList();
        var fusedStates = fusedOptimizer.state_dict().State.Cast<AdamW.State>().ToList();
        for (var i = 0; i < reference.Count; i++)
        {
            AssertClose(reference[i], fused[i], $"parameter {i}");
            AssertClose(referenceStates[i].exp_avg, fusedStates[i].exp_avg, $"exp_avg {i}");
            AssertClose(referenceStates[i].exp_avg_sq, fusedStates[i].exp_avg_sq, $"exp_avg_sq {i}");
            Assert.Equal(referenceStates[i].step, fusedStates[i].step);
        }
        // The weights really moved: a no-op step would pass the comparisons above only if the reference did nothing too.
        var (initial, _) = Setup(seed: 1);
        Assert.True((fused[2] - initial[2]).abs().max().item<float>() > 1e-3);
    }

    [Fact]
    public void ParameterWithoutGradientIsNotStepped()
    {
        var (parameters, optimizer) = Setup(seed: 2);
        SetGradients(parameters, 1);
        parameters[1].grad = null;
        using var before = parameters[1].detach().clone();
        FusedAdamW.Step(optimizer);
        var states = optimizer.state_dict().State.Cast<AdamW.State>().ToList();
        Assert.True(Models.GoldenFiles.Identical(before, parameters[1]));
        Assert.Equal(0, states[1].step);
        Assert.Equal(1, states[0].step);
    }

    [Fact]
    public void AmsgradFallsBackToTheOptimizersOwnStep()
    {
        var (reference, referenceOptimizer) = Setup(seed: 3, amsgrad: true);
        var (fused, fusedOptimizer) = Setup(seed: 3, amsgrad: true);
        for (var step = 1; step <= 3; step++)
        {
            SetGradients(reference, step);
            SetGradients(fused, step);
            referenceOptimizer.step();
            FusedAdamW.Step(fusedOptimizer);
        }
        for (var i = 0; i < reference.Count; i++)
            Assert.True(Models.GoldenFiles.Identical(reference[i], fused[i]), "amsgrad must take the identical (unfused) path");
    }

    private static (List<Parameter> Parameters, AdamW Optimizer) Setup(int seed, bool amsgrad = false)
    {
        var generator = new Generator((ulong)seed);
        var parameters = Shapes.Select(s => new Parameter(randn(s, generator: generator))).ToList();
        var groups = new List<AdamW.ParamGroup>
        {
            new(parameters.Take(2), 1e-2, 0.9, 0.999, 1e-8, 0.01, amsgrad),
            new(parameters.Skip(2), 1e-2, 0.8, 0.99, 1e-6, 0.0, amsgrad),
        };
        return (parameters, optim.AdamW(groups, amsgrad: amsgrad));
    }

    private static void SetGradients(List<Parameter> parameters, int step)
    {
        var generator = new Generator((ulong)(100 + step));
        foreach (var p in parameters) p.grad = randn(p.shape, generator: generator) * step;
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        // The same fp32 operation sequence; libtorch's kernels may contract a multiply and an add into one FMA, which
        // changes a result by a few units in the last place of the larger operand, not of the (possibly cancelled)
        // result: so the absolute tolerance is 8 float epsilons of the tensor's largest value.
        var scale = expected.abs().max().item<float>();
        var close = actual.allclose(expected, rtol: 0, atol: 8 * 1.1920929e-7 * scale);
        Assert.True(close, $"{what}: max abs diff {(actual - expected).abs().max().item<float>()}");
    }
}
