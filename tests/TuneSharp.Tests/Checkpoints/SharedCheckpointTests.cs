using System.Diagnostics;
using TorchSharp;
using TuneSharp.Checkpoints;
using Xunit.Abstractions;
using static TorchSharp.torch;
using static TuneSharp.Tests.Checkpoints.TensorTestUtil;

namespace TuneSharp.Tests.Checkpoints;

/// <summary>The real reference checkpoints in ../shared (facts from their README files).</summary>
public class SharedCheckpointTests(ITestOutputHelper output)
{
    private static long Elements(SafeTensorInfo info) => info.Shape.Aggregate(1L, (x, y) => x * y);

    [SkippableFact]
    public void MiniLmHeaderHasTheDocumentedTensors()
    {
        var modelDir = SharedData.RequireModel("all-MiniLM-L6-v2");
        var infos = ModelWeights.ReadInfos(modelDir);
        Assert.Equal(103, infos.Count);
        Assert.Equal(22_713_216, infos.Sum(Elements));
        Assert.All(infos, i => Assert.Equal("F32", i.DType));
        Assert.Equal(new long[] { 30522, 384 }, infos.Single(i => i.Name == "embeddings.word_embeddings.weight").Shape);
        Assert.Equal(147_840, infos.Where(i => i.Name.StartsWith("pooler.")).Sum(Elements));
        Assert.DoesNotContain(infos, i => i.Name.StartsWith("bert."));

        var header = SafeTensors.ReadHeader(Path.Combine(modelDir, "model.safetensors"));
        Assert.Equal(90_864_192, header.DataOffset + header.Tensors.Max(t => t.End));
    }

    [SkippableFact]
    public void MiniLmLoadsAndMatchesAnIndependentReadOfTheFile()
    {
        var modelDir = SharedData.RequireModel("all-MiniLM-L6-v2");
        var file = Path.Combine(modelDir, "model.safetensors");
        DisposeAll(SafeTensors.Load(file, names: ["pooler.dense.bias"]).Values); // warm up libtorch and the page cache

        var clock = Stopwatch.StartNew();
        var loaded = ModelWeights.Load(modelDir);
        var elapsed = clock.Elapsed;
        try
        {
            output.WriteLine($"Loaded {loaded.Count} tensors ({new FileInfo(file).Length:N0} bytes) in {elapsed.TotalMilliseconds:F1} ms.");
            Assert.Equal(103, loaded.Count);
            Assert.Equal(22_713_216, loaded.Values.Sum(t => t.NumberOfElements));

            var (_, _, raw) = RawSafeTensors.Parse(file);
            foreach (var (name, tensor) in loaded)
            {
                Assert.Equal(ScalarType.Float32, tensor.dtype);
                Assert.True(raw[name].AsSpan().SequenceEqual(tensor.bytes), $"bytes of {name} differ from the file");
            }
        }
        finally { DisposeAll(loaded.Values); }
    }

    [SkippableFact]
    public void Stories260KHasTiedEmbeddingCopyAndLlamaShapes()
    {
        var modelDir = SharedData.RequireModel("stories260K");
        var infos = ModelWeights.ReadInfos(modelDir);
        Assert.Equal(48, infos.Count);
        Assert.Equal(292_800, infos.Sum(Elements));
        var shapes = infos.ToDictionary(i => i.Name, i => i.Shape);
        Assert.Equal(new long[] { 512, 64 }, shapes["model.embed_tokens.weight"]);
        Assert.Equal(new long[] { 32, 64 }, shapes["model.layers.4.self_attn.k_proj.weight"]);
        Assert.Equal(new long[] { 64, 172 }, shapes["model.layers.0.mlp.down_proj.weight"]);

        var loaded = ModelWeights.Load(modelDir, ScalarType.BFloat16);
        try
        {
            Assert.All(loaded.Values, t => Assert.Equal(ScalarType.BFloat16, t.dtype));
            Assert.Equal(Bytes(loaded["model.embed_tokens.weight"]), Bytes(loaded["lm_head.weight"]));
        }
        finally { DisposeAll(loaded.Values); }

        var f32 = ModelWeights.Load(modelDir);
        try
        {
            // lm_head is stored as a bit-identical copy of the embedding (README).
            Assert.Equal(Bytes(f32["model.embed_tokens.weight"]), Bytes(f32["lm_head.weight"]));
        }
        finally { DisposeAll(f32.Values); }
    }
}
