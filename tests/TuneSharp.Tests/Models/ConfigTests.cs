using System.Text.Json.Nodes;
using TuneSharp.Architectures.Bert;
using TuneSharp.Architectures.Llama;
using TuneSharp.Models;

namespace TuneSharp.Tests.Models;

/// <summary>config.json parsing, typed defaults, round-tripping and error messages.</summary>
public class ConfigTests
{
    private static PretrainedConfig LoadJson(TempDir dir, string json)
    {
        File.WriteAllText(dir.File("config.json"), json);
        return PretrainedConfig.Load(dir.Path);
    }

    [SkippableFact]
    public void LoadsTheReferenceConfigsAsTypedSubclasses()
    {
        var bert = Assert.IsType<BertConfig>(PretrainedConfig.Load(SharedData.RequireModel("all-MiniLM-L6-v2")));
        Assert.Equal((384, 6, 12, 1536, 1e-12, 0), (bert.HiddenSize, bert.NumHiddenLayers, bert.NumAttentionHeads, bert.IntermediateSize, bert.LayerNormEps, bert.PadTokenId!.Value));
        Assert.Equal(["BertModel"], bert.Architectures!);

        var llama = Assert.IsType<LlamaConfig>(PretrainedConfig.Load(SharedData.RequireModel("stories260K")));
        Assert.Equal((64, 172, 5, 8, 4, 8), (llama.HiddenSize, llama.IntermediateSize, llama.NumHiddenLayers, llama.NumAttentionHeads, llama.NumKeyValueHeads, llama.HeadDim));
        Assert.Equal((1e-5, 10000.0, true, 1), (llama.RmsNormEps, llama.RopeTheta, llama.TieWordEmbeddings, llama.BosTokenId!.Value));
        Assert.Equal([2], llama.EosTokenIds);
        Assert.Null(llama.RopeScaling);
        Assert.Equal("float32", llama.TorchDtype);
    }

    [SkippableTheory]
    [InlineData("all-MiniLM-L6-v2")]
    [InlineData("stories260K")]
    public void SaveWritesBackEveryOriginalKeyWithItsValue(string modelName)
    {
        var original = JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.RequireModel(modelName), "config.json")))!.AsObject();
        using var dir = new TempDir();
        PretrainedConfig.Load(SharedData.RequireModel(modelName)).Save(dir.Path);
        var saved = JsonNode.Parse(File.ReadAllText(dir.File("config.json")))!.AsObject();
        foreach (var (key, value) in original)
        {
            Assert.True(saved.ContainsKey(key), $"'{key}' was dropped");
            Assert.True(JsonNode.DeepEquals(NormalizeNumber(value), NormalizeNumber(saved[key])), $"'{key}': {value?.ToJsonString()} became {saved[key]?.ToJsonString()}");
        }
    }

    // 10000.0 and 10000 are the same JSON number for transformers.
    private static JsonNode? NormalizeNumber(JsonNode? node)
        => node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number ? JsonValue.Create(v.GetValue<double>()) : node?.DeepClone();

    [Fact]
    public void UnknownKeysRoundTrip()
    {
        using var dir = new TempDir();
        var config = LoadJson(dir, """
            {"model_type": "llama", "hidden_size": 32, "num_attention_heads": 4, "my_custom_flag": {"nested": [1, 2]},
             "use_cache": false, "id2label": {"0": "NEG", "1": "POS"}, "eos_token_id": [2, 7]}
            """);
        Assert.Equal(["my_custom_flag", "use_cache"], config.ExtraFields.Select(p => p.Key).Order());
        Assert.Equal([2, 7], config.EosTokenIds);
        Assert.Equal(1, config.Label2Id!["POS"]);

        using var out_ = new TempDir();
        config.Save(out_.Path);
        var reloaded = (LlamaConfig)PretrainedConfig.Load(out_.Path);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"nested": [1, 2]}"""), reloaded.ExtraFields["my_custom_flag"]));
        Assert.False(reloaded.ExtraFields["use_cache"]!.GetValue<bool>());
        Assert.Equal("POS", reloaded.Id2Label![1]);
        Assert.Equal([2, 7], reloaded.EosTokenIds);
        Assert.Equal(32, reloaded.HiddenSize);
        Assert.Equal(4, reloaded.NumKeyValueHeads); // HF default: same as num_attention_heads
        Assert.Equal(8, reloaded.HeadDim);
    }

    [Fact]
    public void UnknownModelTypeListsTheSupportedTypes()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<ModelConfigException>(() => LoadJson(dir, """{"model_type": "mamba"}"""));
        Assert.IsAssignableFrom<TuneSharpException>(e);
        Assert.Contains("\"mamba\"", e.Message);
        Assert.Contains("bert", e.Message);
        Assert.Contains("llama", e.Message);
        Assert.Contains(dir.File("config.json"), e.Message);
    }

    [Fact]
    public void MissingFileInvalidJsonAndWrongTypesNameTheFileAndField()
    {
        using var dir = new TempDir();
        var missing = Assert.Throws<ModelConfigException>(() => PretrainedConfig.Load(dir.Path));
        Assert.Contains(dir.File("config.json"), missing.Message);

        var invalid = Assert.Throws<ModelConfigException>(() => LoadJson(dir, """{"model_type": "bert", "hidden_size": }"""));
        Assert.Contains("not valid JSON", invalid.Message);
        Assert.Contains(dir.File("config.json"), invalid.Message);

        var wrongType = Assert.Throws<ModelConfigException>(() => LoadJson(dir, """{"model_type": "bert", "hidden_size": "big"}"""));
        Assert.Contains("'hidden_size'", wrongType.Message);
        Assert.Contains("integer", wrongType.Message);
        Assert.Contains(dir.File("config.json"), wrongType.Message);

        var noType = Assert.Throws<ModelConfigException>(() => LoadJson(dir, """{"hidden_size": 8}"""));
        Assert.Contains("'model_type'", noType.Message);

        var heads = Assert.Throws<ModelConfigException>(() => LoadJson(dir, """{"model_type": "llama", "hidden_size": 64, "num_attention_heads": 8, "num_key_value_heads": 3}"""));
        Assert.Contains("'num_key_value_heads'", heads.Message);
    }

    [Fact]
    public void RopeScalingAcceptsNullAndLinearAndRejectsOthersClearly()
    {
        using var dir = new TempDir();
        var linear = (LlamaConfig)LoadJson(dir, """{"model_type": "llama", "rope_scaling": {"type": "linear", "factor": 2.0}}""");
        Assert.Equal(("linear", 2.0), (linear.RopeScalingType, linear.RopeScalingFactor));
        var none = (LlamaConfig)LoadJson(dir, """{"model_type": "llama", "rope_scaling": null}""");
        Assert.Equal("default", none.RopeScalingType);
        var yarn = Assert.Throws<ModelConfigException>(() => LoadJson(dir, """{"model_type": "llama", "rope_scaling": {"rope_type": "yarn", "factor": 4.0}}"""));
        Assert.Contains("'rope_scaling'", yarn.Message);
        Assert.Contains("yarn", yarn.Message);
        Assert.Contains("linear", yarn.Message);
    }

    [Fact]
    public void NewModelTypesCanBeRegistered()
    {
        Assert.Contains("bert", PretrainedConfig.SupportedModelTypes);
        Assert.Contains("llama", PretrainedConfig.SupportedModelTypes);
        Assert.Throws<ModelConfigException>(() => PretrainedConfig.Load<BertConfig>(WriteLlama()));

        static string WriteLlama()
        {
            var dir = Directory.CreateTempSubdirectory("tunesharp-test-").FullName;
            File.WriteAllText(Path.Combine(dir, "config.json"), """{"model_type": "llama"}""");
            return dir;
        }
    }
}
