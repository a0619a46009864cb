using TuneSharp.Architectures.Bert;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Bench;

/// <summary>
/// A randomly initialised small BERT (2 layers, hidden 128) saved as a model folder with all-MiniLM-L6-v2's
/// tokenizer files, for benchmarks that need many fast training steps rather than a pretrained model.
/// </summary>
internal static class TinyBertFolder
{
    /// <summary>Writes the folder into a new temporary directory and returns its path (the caller deletes it).</summary>
    public static string Create(string tokenizerSourceDir)
    {
        var dir = Directory.CreateTempSubdirectory("tunesharp-bench-tinybert-").FullName;
        manual_seed(0);
        using var model = new BertModel(new BertConfig { HiddenSize = 128, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 512 });
        model.SavePretrained(dir);
        foreach (var file in new[] { "vocab.txt", "tokenizer_config.json", "special_tokens_map.json" })
            File.Copy(Path.Combine(tokenizerSourceDir, file), Path.Combine(dir, file));
        return dir;
    }
}
