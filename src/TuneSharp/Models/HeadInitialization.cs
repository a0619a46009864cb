using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>
/// transformers' <c>_init_weights</c> rules for weights that do not come from a checkpoint: linear and embedding
/// weights ~ Normal(0, initializer_range), biases 0, norm scales 1. Random draws use torch's global generator,
/// so a caller's <c>torch.manual_seed</c> makes them reproducible.
/// </summary>
internal static class HeadInitialization
{
    /// <summary>weight ~ Normal(0, std), bias = 0.</summary>
    public static void InitLinear(Linear linear, double std)
    {
        using var noGrad = no_grad();
        nn.init.normal_(linear.weight!, 0.0, std);
        if (linear.bias is { } bias) nn.init.zeros_(bias);
    }

    /// <summary>
    /// Re-initialises parameters the checkpoint did not provide (other than the new head, already initialised)
    /// by the transformers rules, inferred from the name and rank: "*.bias" → 0, 1-D "*.weight" (LayerNorm /
    /// RMSNorm scale) → 1, other weights → Normal(0, std). Without this they would keep TorchSharp's default
    /// (Kaiming-uniform) init, which transformers never uses.
    /// </summary>
    public static void InitMissing(nn.Module module, IEnumerable<string> missingKeys, double std)
    {
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        using var noGrad = no_grad();
        foreach (var key in missingKeys)
        {
            if (!parameters.TryGetValue(key, out var parameter)) continue; // a buffer: computed, not learned
            if (key.EndsWith(".bias", StringComparison.Ordinal)) nn.init.zeros_(parameter);
            else if (parameter.dim() == 1) nn.init.ones_(parameter);
            else nn.init.normal_(parameter, 0.0, std);
        }
    }
}
