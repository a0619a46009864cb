using TuneSharp.Checkpoints;
using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>Writes a task model's folder as transformers' save_pretrained does.</summary>
internal static class PretrainedFiles
{
    /// <summary>config.json (architectures = [<paramref name="architecture"/>], torch_dtype of the weights) and model.safetensors.</summary>
    public static void Save(nn.Module module, PretrainedConfig config, string architecture, string dir)
    {
        var stateDict = module.state_dict();
        config.Architectures = [architecture];
        var floating = stateDict.Values.FirstOrDefault(t => t.is_floating_point());
        if (floating is not null && DtypeName(floating.dtype) is { } name) config.TorchDtype = name;
        config.Save(dir);
        SaveWeights(dir, config, stateDict);
    }

    /// <summary>
    /// model.safetensors of <paramref name="stateDict"/> in transformers' layout for <paramref name="config"/>'s architecture:
    /// the weights its registration stores transposed (GPT-2's Conv1D) are written [in, out].
    /// </summary>
    public static void SaveWeights(string dir, PretrainedConfig config, IReadOnlyDictionary<string, Tensor> stateDict) =>
        ModelWeights.Save(dir, stateDict, transposedWeights: TuneSharp.Architectures.ModelArchitectures.Find(config.ModelType)?.TransposedWeights);

    private static string? DtypeName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float64 => "float64",
        _ => null,
    };
}
