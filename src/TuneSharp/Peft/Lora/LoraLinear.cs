using TorchSharp;
using TorchSharp.Modules;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Peft.Lora;

/// <summary>
/// A LoRA adapter on one existing <see cref="Linear"/>, without changing the model's code: lora_A [r, in] and
/// lora_B [out, r] are registered as submodules of the Linear (state_dict names <c>&lt;linear&gt;.lora_A.weight</c>,
/// <c>&lt;linear&gt;.lora_B.weight</c>) and a forward hook adds scale · lora_B(lora_A(dropout(x))) to its output.
/// Initialised as PEFT: A kaiming-uniform (a = √5), B zeros, so a fresh adapter leaves the outputs unchanged.
/// </summary>
public sealed class LoraLinear
{
    private readonly Linear _base;

    internal LoraLinear(string path, Linear target, int r, double scale, double dropout)
    {
        Path = path;
        _base = target;
        Scale = scale;
        var weight = target.weight!;
        var (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1]);
        LoraA = nn.Linear(inFeatures, r, hasBias: false, device: weight.device, dtype: weight.dtype);
        LoraB = nn.Linear(r, outFeatures, hasBias: false, device: weight.device, dtype: weight.dtype);
        using (no_grad())
        {
            nn.init.kaiming_uniform_(LoraA.weight!, Math.Sqrt(5));
            nn.init.zeros_(LoraB.weight!);
        }
        Dropout = new ParallelDropout(dropout);
        // The Linear owns them: they move, train()/eval() and dispose with the model, and get HF PEFT's names.
        target.register_module("lora_A", LoraA);
        target.register_module("lora_B", LoraB);
        target.register_module("lora_dropout", Dropout);
        ModuleOwnership.DetachFromDisposeScopes(LoraA);
        ModuleOwnership.DetachFromDisposeScopes(LoraB);
        target.register_forward_hook(AddLoraUpdate);
    }

    /// <summary>Module path of the adapted Linear (e.g. <c>bert.encoder.layer.0.attention.self.query</c>).</summary>
    public string Path { get; }

    /// <summary>Down-projection, weight [r, in_features].</summary>
    public Linear LoraA { get; }

    /// <summary>Up-projection, weight [out_features, r].</summary>
    public Linear LoraB { get; }

    /// <summary>Dropout on the LoRA branch input.</summary>
    public ParallelDropout Dropout { get; }

    /// <summary>alpha / r, or alpha / √r with rsLoRA.</summary>
    public double Scale { get; }

    /// <summary>True while scale·B·A is folded into the base weight (the hook then adds nothing).</summary>
    public bool IsMerged { get; private set; }

    /// <summary>The weight update scale · B · A, [out, in] (a new tensor, no autograd).</summary>
    public Tensor DeltaWeight()
    {
        using var noGrad = no_grad();
        using var product = LoraB.weight!.matmul(LoraA.weight!);
        return product.mul(Scale);
    }

    /// <summary>Folds the update into the base weight (W += scale·B·A); no-op when already merged.</summary>
    public void Merge()
    {
        if (IsMerged) return;
        using (no_grad())
        using (var delta = DeltaWeight())
            _base.weight!.add_(delta);
        IsMerged = true;
    }

    /// <summary>Takes the update back out of the base weight (W -= scale·B·A); no-op when not merged.</summary>
    public void Unmerge()
    {
        if (!IsMerged) return;
        using (no_grad())
        using (var delta = DeltaWeight())
            _base.weight!.sub_(delta);
        IsMerged = false;
    }

    // Forward hook: runs after Linear.forward inside Linear.call, in the caller's dispose scope.
    private Tensor AddLoraUpdate(nn.Module<Tensor, Tensor> module, Tensor input, Tensor output)
    {
        if (IsMerged) return output;
        return output + LoraB.call(LoraA.call(Dropout.call(input))).mul(Scale);
    }
}
