using TorchSharp;
using TuneSharp.Checkpoints;
using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>The part of every <c>FromPretrained</c> that is the same for all architectures: read the folder's
/// safetensors, copy them into the module by name, switch to eval mode and hand ownership of the weights to the module.</summary>
internal static class PretrainedWeights
{
    public static LoadReport LoadInto(nn.Module model, string modelDir, ScalarType? dtype, StateDictLoadOptions options)
    {
        if (dtype is { } type) model.to(type);
        var weights = ModelWeights.Load(modelDir, dtype);
        try
        {
            var report = StateDictLoader.LoadInto(model, weights, options);
            model.eval();
            ModuleOwnership.DetachFromDisposeScopes(model);
            return report;
        }
        finally
        {
            foreach (var tensor in weights.Values) tensor.Dispose();
        }
    }
}
