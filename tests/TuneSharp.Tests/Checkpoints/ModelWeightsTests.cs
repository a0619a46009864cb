using System.Text.Json.Nodes;
using TorchSharp;
using TuneSharp.Checkpoints;
using static TorchSharp.torch;
using static TuneSharp.Tests.Checkpoints.TensorTestUtil;

namespace TuneSharp.Tests.Checkpoints;

public class ModelWeightsTests
{
    private static Dictionary<string, Tensor> Weights(params (string Name, int Floats)[] specs) =>
        specs.ToDictionary(s => s.Name, s => arange(s.Floats, ScalarType.Float32).add_(s.Name.Length));

    [Fact]
    public void SmallModelIsSavedAsOneFileWithFormatMetadata()
    {
        using var dir = new TempDir();
        var weights = Weights(("a.weight", 10), ("b.bias", 3));
        try
        {
            ModelWeights.Save(dir.Path, weights);
            Assert.Equal(["model.safetensors"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
            Assert.Equal("pt", SafeTensors.ReadHeader(dir.File("model.safetensors")).Metadata["format"]);

            var loaded = ModelWeights.Load(dir.Path);
            try
            {
                foreach (var (name, t) in weights) Assert.Equal(Bytes(t), Bytes(loaded[name]));
            }
            finally { DisposeAll(loaded.Values); }
            Assert.Equal(13, ModelWeights.ReadInfos(dir.Path).Sum(i => i.Shape.Aggregate(1L, (x, y) => x * y)));
        }
        finally { DisposeAll(weights.Values); }
    }

    [Fact]
    public void LargeModelIsShardedLikeTransformersAndLoadsBack()
    {
        using var dir = new TempDir();
        // 400, 2000, 400 and 40 bytes with a 1000-byte limit: [a] [big] [b, c] (big exceeds the limit alone).
        var weights = Weights(("a", 100), ("big", 500), ("b", 100), ("c", 10));
        try
        {
            ModelWeights.Save(dir.Path, weights, maxShardBytes: 1000);

            Assert.Equal(
                ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors", "model.safetensors.index.json"],
                Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            var index = JsonNode.Parse(File.ReadAllText(dir.File("model.safetensors.index.json")))!;
            Assert.Equal(2840, index["metadata"]!["total_size"]!.GetValue<long>());
            var weightMap = index["weight_map"]!.AsObject();
            Assert.Equal(["a", "b", "big", "c"], weightMap.Select(kv => kv.Key)); // sorted, like json.dumps(sort_keys=True)
            Assert.Equal("model-00001-of-00003.safetensors", weightMap["a"]!.GetValue<string>());
            Assert.Equal("model-00002-of-00003.safetensors", weightMap["big"]!.GetValue<string>());
            Assert.Equal("model-00003-of-00003.safetensors", weightMap["b"]!.GetValue<string>());
            Assert.Equal("model-00003-of-00003.safetensors", weightMap["c"]!.GetValue<string>());
            Assert.Equal(["b", "c"], SafeTensors.ReadHeader(dir.File("model-00003-of-00003.safetensors")).Tensors.Select(t => t.Name));
            Assert.Equal("pt", SafeTensors.ReadHeader(dir.File("model-00002-of-00003.safetensors")).Metadata["format"]);

            var loaded = ModelWeights.Load(dir.Path, ScalarType.Float64);
            try
            {
                Assert.Equal(weights.Keys.Order(), loaded.Keys.Order());
                foreach (var (name, t) in weights)
                {
                    Assert.Equal(ScalarType.Float64, loaded[name].dtype);
                    using var asDouble = t.to(ScalarType.Float64);
                    Assert.Equal(Bytes(asDouble), Bytes(loaded[name]));
                }
            }
            finally { DisposeAll(loaded.Values); }

            var infos = ModelWeights.ReadInfos(dir.Path);
            Assert.Equal(4, infos.Count);
            Assert.Equal(710, infos.Sum(i => i.Shape[0]));
        }
        finally { DisposeAll(weights.Values); }
    }

    [Fact]
    public void ResavingInTheOtherLayoutRemovesStaleWeightFilesOnly()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), "{}");
        var weights = Weights(("a", 100), ("b", 100));
        try
        {
            ModelWeights.Save(dir.Path, weights);
            ModelWeights.Save(dir.Path, weights, maxShardBytes: 500);
            Assert.Equal(["config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json"],
                Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            ModelWeights.Save(dir.Path, weights);
            Assert.Equal(["config.json", "model.safetensors"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
        finally { DisposeAll(weights.Values); }
    }

    [Fact]
    public void FolderWithoutSafetensorsListsItsContentsAndSaysBinIsUnsupported()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), "{}");
        File.WriteAllBytes(dir.File("pytorch_model.bin"), [0]);
        var e = Assert.Throws<CheckpointFormatException>(() => ModelWeights.Load(dir.Path));
        Assert.Contains($"No weights found in model folder '{dir.Path}'", e.Message);
        Assert.Contains("expected model.safetensors or model.safetensors.index.json", e.Message);
        Assert.Contains("it contains: config.json, pytorch_model.bin", e.Message);
        Assert.Contains("not supported", e.Message);
        Assert.Throws<CheckpointFormatException>(() => ModelWeights.ReadInfos(dir.Path));
    }

    [Fact]
    public void EmptyAndMissingFolders()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<CheckpointFormatException>(() => ModelWeights.Load(dir.Path));
        Assert.Contains("the folder is empty", e.Message);
        Assert.Contains(".bin", e.Message);
        var missing = Path.Combine(dir.Path, "nope");
        Assert.Contains($"Model folder '{missing}' does not exist", Assert.Throws<CheckpointFormatException>(() => ModelWeights.Load(missing)).Message);
    }

    [Theory]
    [InlineData("""{"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}""", "lists shard file(s) that do not exist", "model-00002-of-00002.safetensors")]
    [InlineData("""{"weight_map": {"a": """, "Invalid shard index", "not valid JSON")]
    [InlineData("""[]""", "Invalid shard index", "must be a JSON object")]
    [InlineData("""{"metadata": {}}""", "Invalid shard index", "has no \"weight_map\" object")]
    [InlineData("""{"weight_map": {"a": 5}}""", "Invalid shard index", "weight_map entry 'a' must be a shard file name")]
    [InlineData("""{"weight_map": {"a": "../outside.safetensors"}}""", "Invalid shard index", "expected a plain file name in the same folder")]
    [InlineData("""{"weight_map": {"a": "model-00001-of-00002.safetensors", "a": "model-00001-of-00002.safetensors"}}""", "Invalid shard index", "names tensor 'a' more than once")]
    [InlineData("""{"weight_map": {"a": "model-00001-of-00002.safetensors", "zzz": "model-00001-of-00002.safetensors"}}""", "model-00001-of-00002.safetensors", "no tensor named 'zzz'")]
    public void BrokenIndexIsReported(string indexJson, string expected1, string expected2)
    {
        using var dir = new TempDir();
        using (var a = ones(2))
            SafeTensors.Save(dir.File("model-00001-of-00002.safetensors"), new Dictionary<string, Tensor> { ["a"] = a });
        File.WriteAllText(dir.File("model.safetensors.index.json"), indexJson);

        foreach (var action in new Action[] { () => ModelWeights.Load(dir.Path), () => ModelWeights.ReadInfos(dir.Path) })
        {
            var e = Assert.Throws<CheckpointFormatException>(action);
            Assert.Contains(expected1, e.Message);
            Assert.Contains(expected2, e.Message);
        }
    }
}
