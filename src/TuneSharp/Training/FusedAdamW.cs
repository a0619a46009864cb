using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using TorchSharp.Modules;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Training;

/// <summary>
/// One AdamW step with exactly the update of TorchSharp's <see cref="AdamW.step"/> (torch.optim.AdamW's: decoupled
/// weight decay, bias-corrected moments, ε added after the square root), on the optimizer's own state, but one pass
/// over each parameter instead of about ten.
/// </summary>
/// <remarks>
/// Written by hand because TorchSharp's AdamW runs mul_, add_, mul_, addcmul_, sqrt, div, add_ and addcdiv_ as
/// separate libtorch calls per parameter, each a full trip through memory plus two temporaries, and libtorch's fused
/// CPU AdamW (<c>_fused_adamw_</c>) is not exposed by TorchSharp. The arithmetic is the same sequence of fp32
/// operations, so results agree with TorchSharp's AdamW to rounding (checked in the tests). Used only when every
/// parameter, gradient and moment is a contiguous fp32 CPU tensor and neither amsgrad nor maximize is set; otherwise
/// the optimizer's own step runs.
/// </remarks>
public static class FusedAdamW
{
    private const long ElementsPerTask = 1 << 15;

    /// <summary>Steps <paramref name="optimizer"/> (its learning rates, betas, ε and weight decay per group).</summary>
    public static void Step(AdamW optimizer)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var work = Plan(optimizer);
        if (work is null)
        {
            optimizer.step();
            return;
        }
        foreach (var item in work)
        {
            item.State.step += 1;
            Update(item);
        }
    }

    private sealed record WorkItem(Tensor Param, Tensor Grad, AdamW.State State, AdamW.Options Options);

    /// <summary>What to update, or null when some tensor or option needs the optimizer's general path.</summary>
    private static List<WorkItem>? Plan(AdamW optimizer)
    {
        var work = new List<WorkItem>();
        foreach (var (param, state, options) in AdamWStates.InGroupOrder(optimizer))
        {
            if (state is null || options.amsgrad == true || options.maximize == true) return null;
            var grad = param.grad;
            if (grad is null) continue;
            if (!Fits(param) || !Fits(grad) || !Fits(state.exp_avg) || !Fits(state.exp_avg_sq)) return null;
            work.Add(new WorkItem(param, grad, state, options));
        }
        return work;
    }

    private static bool Fits(Tensor t) =>
        t.dtype == ScalarType.Float32 && t.device_type == DeviceType.CPU && t.is_contiguous() && t.numel() * sizeof(float) <= int.MaxValue;

    private static unsafe void Update(WorkItem item)
    {
        var o = item.Options;
        var (lr, beta1, beta2, eps, decay) = (o.LearningRate!.Value, o.beta1!.Value, o.beta2!.Value, o.eps!.Value, o.weight_decay!.Value);
        var step = item.State.step;
        var biasCorrection1 = 1 - Math.Pow(beta1, step);
        var biasCorrection2 = 1 - Math.Pow(beta2, step);
        // libtorch turns each double scalar into the tensor's float before using it; so do we.
        var k = new Coefficients(
            (float)(1 - lr * decay), (float)beta1, (float)(1 - beta1), (float)beta2, (float)(1 - beta2),
            (float)Math.Sqrt(biasCorrection2), (float)eps, (float)(-(lr / biasCorrection1)));
        var n = item.Param.numel();
        fixed (byte* p = item.Param.bytes, g = item.Grad.bytes, m = item.State.exp_avg.bytes, v = item.State.exp_avg_sq.bytes)
        {
            float* pp = (float*)p, gp = (float*)g, mp = (float*)m, vp = (float*)v;
            ElementRanges.ForEach(n, ElementsPerTask, (start, end) => Range(pp, gp, mp, vp, start, end, k));
        }
    }

    private readonly record struct Coefficients(
        float DecayFactor, float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2,
        float SqrtBiasCorrection2, float Eps, float NegativeStepSize);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Range(float* p, float* g, float* m, float* v, long start, long end, Coefficients k)
    {
        var i = start;
        if (Vector512.IsHardwareAccelerated)
        {
            var decay = Vector512.Create(k.DecayFactor);
            var beta1 = Vector512.Create(k.Beta1);
            var oneMinusBeta1 = Vector512.Create(k.OneMinusBeta1);
            var beta2 = Vector512.Create(k.Beta2);
            var oneMinusBeta2 = Vector512.Create(k.OneMinusBeta2);
            var sqrtCorrection = Vector512.Create(k.SqrtBiasCorrection2);
            var eps = Vector512.Create(k.Eps);
            var stepSize = Vector512.Create(k.NegativeStepSize);
            for (; i + 16 <= end; i += 16)
            {
                var grad = Vector512.Load(g + i);
                var param = Vector512.Load(p + i) * decay;
                var avg = Vector512.Load(m + i) * beta1 + oneMinusBeta1 * grad;
                var avgSq = Vector512.Load(v + i) * beta2 + oneMinusBeta2 * grad * grad;
                var denom = Vector512.Sqrt(avgSq) / sqrtCorrection + eps;
                param += stepSize * avg / denom; // addcdiv_'s order: (value·t1)/t2
                avg.Store(m + i);
                avgSq.Store(v + i);
                param.Store(p + i);
            }
        }
        for (; i < end; i++)
        {
            var grad = g[i];
            var param = p[i] * k.DecayFactor;
            var avg = m[i] * k.Beta1 + k.OneMinusBeta1 * grad;
            var avgSq = v[i] * k.Beta2 + k.OneMinusBeta2 * grad * grad;
            var denom = MathF.Sqrt(avgSq) / k.SqrtBiasCorrection2 + k.Eps;
            m[i] = avg;
            v[i] = avgSq;
            p[i] = param + k.NegativeStepSize * avg / denom;
        }
    }
}
