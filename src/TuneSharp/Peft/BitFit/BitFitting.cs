using static TorchSharp.torch;

namespace TuneSharp.Peft.BitFit;

/// <summary>
/// BitFit (Ben Zaken et al., 2021): train only the bias terms, plus the classification head, which is new and must learn.
/// </summary>
public static class BitFitting
{
    /// <summary>Sets requires_grad = true on every bias and on the head, false on everything else; returns the trainable names.</summary>
    public static IReadOnlyList<string> Apply(nn.Module model)
    {
        var heads = PeftLayout.HeadsOf(model);
        var trainable = new List<string>();
        foreach (var (name, parameter) in model.named_parameters())
        {
            var train = IsBias(name) || heads.Any(h => PeftLayout.IsUnder(name, h));
            parameter.requires_grad = train;
            if (train) trainable.Add(name);
        }
        if (trainable.Count == 0) throw new PeftException("BitFit found no bias parameters and no classification head to train.");
        return trainable;
    }

    /// <summary>True for a parameter whose own name (last segment) is "bias".</summary>
    public static bool IsBias(string name) => name == "bias" || name.EndsWith(".bias", StringComparison.Ordinal);
}
