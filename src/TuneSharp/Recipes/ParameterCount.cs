using static TorchSharp.torch;

namespace TuneSharp.Recipes;

/// <summary>The PEFT-style "trainable params: X || all params: Y || trainable%: Z" line.</summary>
public static class ParameterCount
{
    public static (long Trainable, long All) Count(nn.Module module)
    {
        long trainable = 0, all = 0;
        foreach (var p in module.parameters())
        {
            all += p.numel();
            if (p.requires_grad) trainable += p.numel();
        }
        return (trainable, all);
    }

    public static string Describe(nn.Module module)
    {
        var (trainable, all) = Count(module);
        return $"trainable params: {trainable:N0} || all params: {all:N0} || trainable%: {(all == 0 ? 0 : 100.0 * trainable / all):0.####}";
    }
}
