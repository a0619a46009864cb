using TorchSharp.Modules;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Peft.Bottleneck;

/// <summary>
/// One bottleneck adapter on the output projection of a sub-layer (attention or feed-forward), added without
/// changing the model's code: <c>adapter_down</c> [in → bottleneck] and <c>adapter_up</c> [bottleneck → in] are
/// registered under the existing Linear, and a forward hook turns its output h into h + up(f(down(h))), before the
/// sub-layer's dropout, residual connection and LayerNorm (the position of Houlsby et al., 2019).
/// The up-projection starts at zero, so a fresh adapter is exactly the identity; the down-projection starts as a
/// Linear layer's default (kaiming-uniform, a = √5, as LoRA's A and AdapterHub's "mam" initialisation): with
/// AdapterHub's N(0, 0.01²) "bert" initialisation the bottleneck activations start ~100x smaller and, measured on
/// our tiny test model, training barely moved in 48 steps.
/// </summary>
public sealed class BottleneckAdapterLayer
{
    internal BottleneckAdapterLayer(string path, Linear target, int bottleneckSize, string nonLinearity)
    {
        Path = path;
        NonLinearity = nonLinearity;
        var weight = target.weight!;
        var width = weight.shape[0]; // the projection's output width = the residual stream width
        Down = nn.Linear(width, bottleneckSize, hasBias: true, device: weight.device, dtype: weight.dtype);
        Up = nn.Linear(bottleneckSize, width, hasBias: true, device: weight.device, dtype: weight.dtype);
        using (no_grad())
        {
            nn.init.kaiming_uniform_(Down.weight!, Math.Sqrt(5));
            nn.init.zeros_(Down.bias!);
            nn.init.zeros_(Up.weight!);
            nn.init.zeros_(Up.bias!);
        }
        // The Linear owns them: they move, train()/eval(), save and dispose with the model.
        target.register_module("adapter_down", Down);
        target.register_module("adapter_up", Up);
        ModuleOwnership.DetachFromDisposeScopes(Down);
        ModuleOwnership.DetachFromDisposeScopes(Up);
        target.register_forward_hook(AddAdapterOutput);
    }

    /// <summary>Module path of the projection the adapter follows (e.g. <c>bert.encoder.layer.0.output.dense</c>).</summary>
    public string Path { get; }

    /// <summary>Down-projection to the bottleneck (with bias).</summary>
    public Linear Down { get; }

    /// <summary>Up-projection back to the model width (with bias), zero-initialised.</summary>
    public Linear Up { get; }

    /// <summary>The activation between the projections.</summary>
    public string NonLinearity { get; }

    /// <summary>True for the adapter's own parameter names (<c>*.adapter_down.*</c>, <c>*.adapter_up.*</c>).</summary>
    public static bool IsAdapterParameter(string name) =>
        name.Contains(".adapter_down.", StringComparison.Ordinal) || name.Contains(".adapter_up.", StringComparison.Ordinal);

    // Forward hook: runs after Linear.forward inside Linear.call, in the caller's dispose scope.
    private Tensor AddAdapterOutput(nn.Module<Tensor, Tensor> module, Tensor input, Tensor output)
    {
        using var scope = NewDisposeScope();
        var bottleneck = Activate(Down.call(output));
        return output.add(Up.call(bottleneck)).MoveToOuterDisposeScope();
    }

    private Tensor Activate(Tensor x) => NonLinearity == "tanh" ? x.tanh() : Activations.Apply(NonLinearity, x);
}
