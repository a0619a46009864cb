using static TorchSharp.torch;

namespace TuneSharp.Peft;

/// <summary>PEFT's <c>print_trainable_parameters()</c> line for a model whose frozen parameters have requires_grad = false.</summary>
public static class PeftSummary
{
    /// <summary>Parameter counts: those with requires_grad, and all.</summary>
    public static (long Trainable, long All) Count(nn.Module model)
    {
        long trainable = 0, all = 0;
        foreach (var p in model.parameters())
        {
            all += p.numel();
            if (p.requires_grad) trainable += p.numel();
        }
        return (trainable, all);
    }

    /// <summary>"trainable params: X || all params: Y || trainable%: Z".</summary>
    public static string Describe(nn.Module model)
    {
        var (trainable, all) = Count(model);
        return $"trainable params: {trainable:N0} || all params: {all:N0} || trainable%: {(all == 0 ? 0 : 100.0 * trainable / all):0.####}";
    }
}
