using TorchSharp;
using TuneSharp.Checkpoints;
using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>The part of every <c>FromPretrained</c> that is the same for all architectures: read the folder's
/// safetensors, copy them into the module by name, switch to eval mode and hand ownership of the weights to the module.</summary>
internal static class PretrainedWeights
{
    /// <summary>
    /// Loads <paramref name="modelDir"/>'s weights into <paramref name="model"/>; <paramref name="transposedWeights"/> is the
    /// architecture's <c>ModelArchitecture.TransposedWeights</c> (weights the file stores [in, out]).
    /// </summary>
    public static LoadReport LoadInto(nn.Module model, string modelDir, ScalarType? dtype, StateDictLoadOptions options,
        IReadOnlyList<string>? transposedWeights = null)
    {
        if (dtype is { } type) model.to(type);
        var weights = ModelWeights.Load(modelDir, dtype, transposedWeights);
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
