using TuneSharp.Hub;

namespace TuneSharp.Tests.Hub;

/// <summary>Glob matching follows Python's fnmatch, as huggingface_hub's allow_patterns do.</summary>
public sealed class FilePatternsTests
{
    [Theory]
    [InlineData("model.safetensors", "*.safetensors", true)]
    [InlineData("model-00001-of-00002.safetensors", "*.safetensors", true)]
    [InlineData("onnx/model.safetensors", "*.safetensors", true)]    // fnmatch's '*' crosses '/'
    [InlineData("model.safetensors.index.json", "*.safetensors", false)]
    [InlineData("config.json", "config.json", true)]
    [InlineData("onnx/config.json", "config.json", false)]
    [InlineData("Config.json", "config.json", false)]               // case-sensitive
    [InlineData("onnx/model.onnx", "onnx/", true)]                  // trailing '/' means the whole folder
    [InlineData("model-1.bin", "model-?.bin", true)]
    [InlineData("model-12.bin", "model-?.bin", false)]
    [InlineData("model-3.bin", "model-[0-3].bin", true)]
    [InlineData("model-4.bin", "model-[!0-3].bin", true)]
    [InlineData("model-2.bin", "model-[!0-3].bin", false)]
    [InlineData("a+b(1).txt", "a+b(1).txt", true)]                  // regex characters are literal
    [InlineData("a[.txt", "a[.txt", true)]                          // unmatched '[' is literal
    public void MatchesLikeFnmatch(string file, string pattern, bool expected) =>
        Assert.Equal(expected, FilePatterns.MatchesAny(file, [pattern]));

    [Fact]
    public void DefaultModelPatterns_SelectModelAndTokenizerFiles()
    {
        string[] repo =
        [
            "config.json", "model.safetensors", "model.safetensors.index.json", "tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "vocab.txt", "tokenizer.model", "generation_config.json",
            "README.md", "pytorch_model.bin", "tf_model.h5", ".gitattributes", "onnx/model.onnx", "1_Pooling/config.json",
        ];

        var selected = repo.Where(f => FilePatterns.MatchesAny(f, HubClient.DefaultModelPatterns)).ToArray();

        Assert.Equal(repo[..9], selected);
    }
}
