using System.Text.Json.Nodes;
using TuneSharp.Architectures.Bert;

namespace TuneSharp.Tests.Cli;

public class InfoCommandTests
{
    [Fact]
    public void AMissingFolderIsNamedByItsFullPath()
    {
        // Shaped like a path (two '/'), so it is not a hub id and nothing is requested.
        var (code, output, error) = CliRunner.Run("info", "no/such/model");
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains($"there is no folder {Path.GetFullPath("no/such/model")}", error);
        Assert.Contains("hub id looks like 'org/name' or a legacy 'name'", error);
    }

    [SkippableFact]
    public void DescribesTheSharedBertModel()
    {
        var dir = SharedData.RequireModel("all-MiniLM-L6-v2");
        var (code, output, error) = CliRunner.Run("info", dir);
        Assert.True(code == 0, error);
        Assert.Contains("model_type:   bert", output);
        Assert.Contains("architecture: BertModel", output);
        // 22,713,216 parameters (the model README's count, pooler included).
        Assert.Contains("parameters:   22,713,216", output);
        Assert.Contains("F32 (103 tensors", output);
        // 22,713,216 x 4 bytes = 90,852,864 B = 86.64 MiB; half of that in bf16.
        Assert.Contains("weights 86.64 MiB in fp32, 43.32 MiB in bf16", output);
        Assert.Contains("tokenizer:    WordPiece, vocab size 30,522", output);
    }

    [SkippableFact]
    public void CountsATiedHeadOnce()
    {
        var dir = SharedData.RequireModel("stories260K");
        var (code, output, error) = CliRunner.Run("info", dir);
        Assert.True(code == 0, error);
        // The README gives 260,032 distinct parameters; lm_head is stored as a copy of the embedding.
        Assert.Contains("parameters:   260,032", output);
        Assert.Contains("tokenizer:    SentencePiece, vocab size 512", output);
    }

    [Fact]
    public void MissingFolderIsAClearError()
    {
        var (code, _, error) = CliRunner.Run("info", "/nonexistent/model");
        Assert.Equal(1, code);
        Assert.Contains("'/nonexistent/model' is not a folder and not a hub id: there is no folder /nonexistent/model", error);
    }

    [Fact]
    public void UnknownModelTypeListsSupportedTypes()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("config.json"), new JsonObject { ["model_type"] = "mamba9000" }.ToJsonString());
        var (code, _, error) = CliRunner.Run("info", tmp.Path);
        Assert.Equal(1, code);
        Assert.Contains("mamba9000", error);
        Assert.Contains("bert", error);
        Assert.Contains("llama", error);
    }

    [Fact]
    public void FolderWithoutWeightsSaysWhatIsMissing()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("config.json"), """{"model_type":"bert"}""");
        var (code, _, error) = CliRunner.Run("info", tmp.Path);
        Assert.Equal(1, code);
        Assert.Contains("model.safetensors", error);
        Assert.DoesNotContain("   at ", error); // no stack trace
    }
}
