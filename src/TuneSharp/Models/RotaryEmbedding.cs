using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>
/// Rotary position embeddings (RoPE) in HF's "rotate_half" layout: in each head, dimension i is paired with
/// i + D/2 (not 2i with 2i+1 as in the original paper and llama2.c). HF checkpoints were converted with their
/// q/k rows permuted for this layout, so using the interleaved layout here would silently scramble positions.
/// Angles θ_i = position · f_i with f_i = rope_theta^(-2i/D) are computed from the position ids on every call (cheap),
/// which supports arbitrary positions: padding offsets, KV-cache continuation, and the <c>rope_scaling</c> types:
/// linear (positions divided by the factor), dynamic (NTK-aware: once an input's largest position reaches past
/// max_position_embeddings, the base grows with it) and llama3 (low frequencies divided by the factor, high ones kept,
/// a smooth blend between; see <see cref="RopeScaling"/>). Llama, Qwen2, Mistral and GPT-NeoX (over its first
/// rotary_ndims dimensions) share it.
/// </summary>
internal sealed class RotaryEmbedding
{
    private readonly int _dim;
    private readonly double _theta;
    private readonly float[] _inverseFrequencies;
    private readonly double _positionScale;
    private readonly double? _dynamicFactor;
    private readonly int _maxPositions;

    /// <summary>
    /// Rotary embeddings of the first <paramref name="dim"/> dimensions of each head (all of them for Llama; GPT-NeoX's
    /// rotary_ndims), frequencies from <paramref name="theta"/> over that dimension, scaled as <paramref name="scaling"/>
    /// (a validated rope_scaling, or null) says; <paramref name="maxPositionEmbeddings"/> is where dynamic scaling starts.
    /// </summary>
    public RotaryEmbedding(int dim, double theta, JsonObject? scaling, int maxPositionEmbeddings)
    {
        (_dim, _theta, _maxPositions) = (dim, theta, maxPositionEmbeddings);
        // In double, then rounded once to fp32, so the angles are as exact as fp32 allows.
        _inverseFrequencies = ToFloat(RopeScaling.InverseFrequencies(scaling, theta, dim));
        var type = RopeScaling.Type(scaling);
        _positionScale = type == "linear" ? 1.0 / RopeScaling.Factor(scaling) : 1.0;
        if (type == "dynamic") _dynamicFactor = RopeScaling.Factor(scaling);
    }

    private static float[] ToFloat(double[] values) => values.Select(v => (float)v).ToArray();

    /// <summary>cos and sin [B, T, D] for position ids [B, T] (computed in fp32, returned in <paramref name="dtype"/>).</summary>
    public (Tensor Cos, Tensor Sin) CosSin(Tensor positionIds, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var frequencies = _inverseFrequencies;
        if (_dynamicFactor is { } factor)
        {
            // transformers' rule: the sequence length is the largest position + 1 of this call (so a cached step sees its
            // whole context), and the base grows only past max_position_embeddings.
            var length = positionIds.max().item<long>() + 1;
            if (length > _maxPositions)
                frequencies = ToFloat(RopeScaling.Frequencies(_theta * Math.Pow(factor * length / _maxPositions - (factor - 1), (double)_dim / (_dim - 2)), _dim));
        }
        var inverse = tensor(frequencies, device: positionIds.device);
        var positions = positionIds.to_type(ScalarType.Float32);
        if (_positionScale != 1.0) positions = positions * _positionScale;
        var angles = positions.unsqueeze(-1) * inverse;           // [B, T, D/2]
        var doubled = cat([angles, angles], -1);                  // [B, T, D]: same angle for i and i + D/2
        return (doubled.cos().to_type(dtype).MoveToOuterDisposeScope(), doubled.sin().to_type(dtype).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// x·cos + rotate_half(x)·sin for x [B, heads, T, D]; rotate_half(x) = [-x₂, x₁] for halves x₁, x₂. When cos and sin
    /// cover R &lt; D dimensions (partial rotary, GPT-NeoX), only the first R are rotated and the other D - R pass through.
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        var (dim, rotary) = (x.shape[^1], cos.shape[^1]);
        var part = rotary == dim ? x : x.narrow(-1, 0, rotary);
        var half = rotary / 2;
        var rotated = cat([part.narrow(-1, half, half).neg(), part.narrow(-1, 0, half)], -1);
        var result = part * cos.unsqueeze(1) + rotated * sin.unsqueeze(1);
        if (rotary < dim) result = cat([result, x.narrow(-1, rotary, dim - rotary)], -1);
        return result.MoveToOuterDisposeScope();
    }
}
