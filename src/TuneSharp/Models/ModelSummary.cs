using TuneSharp.Architectures.Llama;
using TuneSharp.Checkpoints;

namespace TuneSharp.Models;

/// <summary>
/// What a model folder holds, read from config.json and the safetensors headers only (no weights loaded),
/// so it is instant even for large models: architecture, parameter count, stored dtypes and memory.
/// </summary>
public sealed record ModelSummary(
    string ModelType,
    IReadOnlyList<string> Architectures,
    long Parameters,
    IReadOnlyList<string> StoredDTypes,
    long StoredBytes,
    int NumTensors,
    bool TiedEmbeddingsStoredTwice)
{
    /// <summary>Bytes the weights need in memory at a given element size (4 for fp32, 2 for bf16).</summary>
    public long BytesAt(int bytesPerParameter) => Parameters * bytesPerParameter;

    /// <summary>Reads the summary of a Hugging Face model folder.</summary>
    public static ModelSummary Read(string modelDir)
    {
        var config = PretrainedConfig.Load(modelDir);
        var infos = ModelWeights.ReadInfos(modelDir);
        long parameters = 0, bytes = 0;
        foreach (var info in infos)
        {
            parameters += info.Shape.Aggregate(1L, (a, b) => a * b);
            bytes += info.End - info.Begin;
        }
        // A tied head stored as an explicit copy is one parameter tensor, not two. The head's name is the registration's
        // (Llama's lm_head, GPT-NeoX's embed_out); a tied model has no head weight of its own, so any is the copy.
        var architecture = TuneSharp.Architectures.ModelArchitectures.Find(config.ModelType);
        var headKey = architecture?.Heads.GetValueOrDefault(ModelTask.CausalLm)?.Module + ".weight";
        var tiedCopy = architecture?.TiesWordEmbeddings(config) == true && infos.Any(i => i.Name == headKey);
        if (tiedCopy)
        {
            var head = infos.First(i => i.Name == headKey);
            parameters -= head.Shape.Aggregate(1L, (a, b) => a * b);
        }
        return new ModelSummary(
            config.ModelType,
            config.Architectures ?? [],
            parameters,
            infos.Select(i => i.DType).Distinct().Order().ToList(),
            bytes,
            infos.Count,
            tiedCopy);
    }
}
