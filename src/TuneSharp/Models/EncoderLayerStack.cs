using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>A transformer layer that maps hidden states [B, T, H] to new ones under one additive attention mask.</summary>
internal interface IMaskedLayer
{
    /// <summary>The layer's output for <paramref name="hidden"/>; <paramref name="additiveMask"/> is added to the attention scores.</summary>
    Tensor forward(Tensor hidden, Tensor? additiveMask);
}

/// <summary>
/// An encoder's numbered layers, applied in turn under one mask, with gradient checkpointing: transformers'
/// <c>BertEncoder</c> and DistilBERT's <c>Transformer</c>, which both name the list <c>layer</c>
/// (<c>encoder.layer.0.*</c>, <c>transformer.layer.0.*</c>).
/// </summary>
internal sealed class EncoderLayerStack<TLayer> : nn.Module where TLayer : nn.Module, IMaskedLayer
{
    private readonly ModuleList<TLayer> layer;

    /// <summary><paramref name="count"/> layers made by <paramref name="create"/> (given each layer's index).</summary>
    public EncoderLayerStack(int count, Func<int, TLayer> create) : base("EncoderLayerStack")
    {
        layer = nn.ModuleList(Enumerable.Range(0, count).Select(create).ToArray());
        RegisterComponents();
    }

    /// <summary>Recompute each layer but the last in the backward pass instead of keeping its activations (see <see cref="GradientCheckpoint"/>).</summary>
    public bool GradientCheckpointing { get; set; }

    /// <summary>The last layer's output.</summary>
    public Tensor forward(Tensor hidden, Tensor? additiveMask)
    {
        using var scope = NewDisposeScope();
        for (var i = 0; i < layer.Count; i++)
        {
            var block = layer[i];
            hidden = GradientCheckpoint.AppliesTo(GradientCheckpointing, this, i, layer.Count)
                ? GradientCheckpoint.Run((h, c) => block.forward(h, c[0]), hidden, [additiveMask], block) // the mask is a constant: it may be disposed before backward
                : block.forward(hidden, additiveMask);
        }
        return hidden.MoveToOuterDisposeScope();
    }
}
