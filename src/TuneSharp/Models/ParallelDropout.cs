using TorchSharp;
using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>
/// <c>nn.Dropout</c> with the same semantics (inverted scaling by 1/(1-p) while training, identity in eval) whose
/// masks come from <see cref="DropoutMask"/> instead of libtorch's single-threaded CPU Bernoulli sampler.
/// </summary>
public sealed class ParallelDropout : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the module; <paramref name="p"/> is the probability of zeroing an element, in [0, 1].</summary>
    public ParallelDropout(double p) : base(nameof(ParallelDropout))
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1]");
        P = p;
    }

    /// <summary>Probability of zeroing an element while training.</summary>
    public double P { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => Apply(input, P, training);

    /// <summary>Dropout of <paramref name="input"/> with probability <paramref name="p"/> when <paramref name="training"/>; a new handle on the input otherwise.</summary>
    public static Tensor Apply(Tensor input, double p, bool training)
    {
        if (!training || p == 0) return input.alias();
        if (p >= 1 || !DropoutMask.Supports(input)) return nn.functional.dropout(input, p, training: true);
        using var mask = DropoutMask.Create(input.shape, p);
        if (mask.dtype == input.dtype) return input * mask;
        using var cast = mask.to_type(input.dtype);
        return input * cast;
    }
}
