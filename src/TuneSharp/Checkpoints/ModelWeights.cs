using System.Text.RegularExpressions;
using TorchSharp;

namespace TuneSharp.Checkpoints;

/// <summary>
/// The weights of a Hugging Face model folder: a single <c>model.safetensors</c>, or shards listed in
/// <c>model.safetensors.index.json</c>. PyTorch pickles (<c>pytorch_model.bin</c>) are not supported.
/// </summary>
public static partial class ModelWeights
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>
    /// Loads <c>model.safetensors</c> or, when absent, every shard listed in <c>model.safetensors.index.json</c>.
    /// Floating tensors are converted to <paramref name="dtype"/> when given. The caller owns the tensors.
    /// </summary>
    /// <param name="modelDir">The model folder.</param>
    /// <param name="dtype">The floating dtype to convert to, or null to keep the file's.</param>
    /// <param name="transposedWeights">
    /// Regular expressions (searched anywhere in the key) of weights the file stores transposed, [in, out], as GPT-2's
    /// Conv1D does (an architecture's <c>ModelArchitecture.TransposedWeights</c>): those 2-D tensors come back as
    /// [out, in], the layout of the <c>Linear</c> modules that hold them. Null or empty: every tensor as stored.
    /// </param>
    /// <exception cref="CheckpointFormatException">No weights in the folder, a broken index, a missing shard, or a malformed file.</exception>
    public static Dictionary<string, torch.Tensor> Load(string modelDir, torch.ScalarType? dtype = null, IReadOnlyList<string>? transposedWeights = null)
    {
        var source = Locate(modelDir);
        if (source.Index is null)
            return TransposedWeights.Apply(SafeTensors.Load(source.SingleFile!, dtype), transposedWeights);

        var result = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (shardPath, names) in source.Shards())
                foreach (var (name, tensor) in SafeTensors.Load(shardPath, dtype, names))
                    result.Add(name, tensor);
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return TransposedWeights.Apply(result, transposedWeights);
    }

    /// <summary>
    /// The tensor infos of every weight (across shards) without reading tensor data, e.g. to count parameters.
    /// For a sharded folder these are the tensors the index lists, in shard order.
    /// </summary>
    public static IReadOnlyList<SafeTensorInfo> ReadInfos(string modelDir)
    {
        var source = Locate(modelDir);
        if (source.Index is null)
            return SafeTensors.ReadHeader(source.SingleFile!).Tensors;

        var infos = new List<SafeTensorInfo>();
        foreach (var (shardPath, names) in source.Shards())
        {
            var header = SafeTensors.ReadHeader(shardPath);
            var byName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
            foreach (var name in names)
            {
                if (!byName.TryGetValue(name, out var info))
                    throw CheckpointFormatException.InFile(shardPath, $"it has no tensor named '{name}', which {IndexFileName} assigns to it.");
                infos.Add(info);
            }
        }
        return infos;
    }

    /// <summary>
    /// Writes <c>model.safetensors</c>, or, when the tensors total more than <paramref name="maxShardBytes"/>,
    /// shards <c>model-00001-of-0000N.safetensors</c> plus <c>model.safetensors.index.json</c>
    /// (metadata.total_size and weight_map), splitting in the dictionary's order like transformers (a tensor
    /// larger than the limit gets a shard of its own). Files carry the metadata {"format": "pt"}. Weight files
    /// left from an earlier save in the other layout are removed so the folder is unambiguous.
    /// </summary>
    /// <param name="modelDir">The model folder (created if needed).</param>
    /// <param name="tensors">The weights by checkpoint key, in the modules' layout.</param>
    /// <param name="maxShardBytes">The largest single file; more weights are sharded.</param>
    /// <param name="transposedWeights">
    /// Regular expressions of weights the format stores transposed (see <see cref="Load"/>): those 2-D tensors are
    /// written [in, out], so transformers reads them back into its Conv1D modules. Null or empty: every tensor as given.
    /// </param>
    public static void Save(string modelDir, IReadOnlyDictionary<string, torch.Tensor> tensors, long maxShardBytes = 5L * 1024 * 1024 * 1024,
        IReadOnlyList<string>? transposedWeights = null)
    {
        if (maxShardBytes <= 0) throw new ArgumentOutOfRangeException(nameof(maxShardBytes), "maxShardBytes must be positive.");
        if (transposedWeights is { Count: > 0 })
        {
            // Transposed views: SafeTensors.Save writes a tensor's logical layout, whatever its strides.
            var views = TransposedWeights.Views(tensors, transposedWeights);
            try { Save(modelDir, views.Tensors, maxShardBytes); }
            finally { foreach (var view in views.Created) view.Dispose(); }
            return;
        }
        Directory.CreateDirectory(modelDir);
        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        var totalBytes = tensors.Values.Sum(t => t.NumberOfElements * t.ElementSize);

        if (totalBytes <= maxShardBytes)
        {
            SafeTensors.Save(Path.Combine(modelDir, SingleFileName), tensors, metadata);
            RemoveStaleWeights(modelDir, keep: [SingleFileName]);
            return;
        }

        var shards = PlanShards(tensors, maxShardBytes);
        var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
        var written = new List<string>();
        for (var i = 0; i < shards.Count; i++)
        {
            var fileName = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            var shard = shards[i].ToDictionary(name => name, name => tensors[name], StringComparer.Ordinal);
            SafeTensors.Save(Path.Combine(modelDir, fileName), shard, metadata);
            foreach (var name in shards[i]) weightMap[name] = fileName;
            written.Add(fileName);
        }
        // The index goes last: a folder whose index exists has all its shards.
        new ShardIndex(weightMap, totalBytes).Write(Path.Combine(modelDir, IndexFileName));
        RemoveStaleWeights(modelDir, keep: [.. written, IndexFileName]);
    }

    private static List<List<string>> PlanShards(IReadOnlyDictionary<string, torch.Tensor> tensors, long maxShardBytes)
    {
        var shards = new List<List<string>>();
        var current = new List<string>();
        long currentBytes = 0;
        foreach (var (name, tensor) in tensors)
        {
            var bytes = tensor.NumberOfElements * tensor.ElementSize;
            if (current.Count > 0 && currentBytes + bytes > maxShardBytes)
            {
                shards.Add(current);
                current = [];
                currentBytes = 0;
            }
            current.Add(name);
            currentBytes += bytes;
        }
        if (current.Count > 0) shards.Add(current);
        return shards;
    }

    private static void RemoveStaleWeights(string modelDir, IReadOnlyCollection<string> keep)
    {
        foreach (var file in Directory.EnumerateFiles(modelDir))
        {
            var name = Path.GetFileName(file);
            var isWeightFile = name is SingleFileName or IndexFileName || ShardFileName().IsMatch(name);
            if (isWeightFile && !keep.Contains(name)) File.Delete(file);
        }
    }

    [GeneratedRegex(@"^model-\d{5}-of-\d{5}\.safetensors$")]
    private static partial Regex ShardFileName();

    private sealed record WeightsSource(string? SingleFile, string? IndexPath, ShardIndex? Index)
    {
        /// <summary>Each shard's full path and the tensor names the index assigns to it; a missing shard is an error.</summary>
        public IEnumerable<(string Path, List<string> Names)> Shards()
        {
            var folder = System.IO.Path.GetDirectoryName(IndexPath!)!;
            var missing = Index!.ShardFiles.Where(f => !File.Exists(System.IO.Path.Combine(folder, f))).ToList();
            if (missing.Count > 0)
                throw new CheckpointFormatException(
                    $"Shard index '{IndexPath}' lists shard file(s) that do not exist in '{folder}': {string.Join(", ", missing)}.");
            foreach (var shard in Index.ShardFiles)
            {
                var names = Index.WeightMap.Where(kv => kv.Value == shard).Select(kv => kv.Key).ToList();
                yield return (System.IO.Path.Combine(folder, shard), names);
            }
        }
    }

    private static WeightsSource Locate(string modelDir)
    {
        if (!Directory.Exists(modelDir))
            throw new CheckpointFormatException($"Model folder '{modelDir}' does not exist.");
        var single = Path.Combine(modelDir, SingleFileName);
        if (File.Exists(single)) return new WeightsSource(single, null, null);
        var indexPath = Path.Combine(modelDir, IndexFileName);
        if (File.Exists(indexPath)) return new WeightsSource(null, indexPath, ShardIndex.Read(indexPath));

        var present = Directory.EnumerateFileSystemEntries(modelDir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var listing = present.Count == 0 ? "the folder is empty" : "it contains: " + string.Join(", ", present.Take(30)) + (present.Count > 30 ? $", ... ({present.Count} entries)" : "");
        var pickle = present.Any(n => n!.EndsWith(".bin", StringComparison.OrdinalIgnoreCase) || n!.EndsWith(".pt", StringComparison.OrdinalIgnoreCase) || n!.EndsWith(".pth", StringComparison.OrdinalIgnoreCase))
            ? " It has PyTorch pickle weights (.bin/.pt), which are not supported: convert them to safetensors first (e.g. with transformers' save_pretrained(safe_serialization=True))."
            : " PyTorch .bin weights (pytorch_model.bin) are not supported; only safetensors.";
        throw new CheckpointFormatException(
            $"No weights found in model folder '{modelDir}': expected {SingleFileName} or {IndexFileName}; {listing}.{pickle}");
    }
}
