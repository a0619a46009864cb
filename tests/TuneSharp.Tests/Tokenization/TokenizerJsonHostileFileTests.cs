using System.Text.Json.Nodes;
using TuneSharp.Tokenization;

namespace TuneSharp.Tests.Tokenization;

public class TokenizerJsonHostileFileTests
{
    private static JsonObject Minimal() => new()
    {
        ["pre_tokenizer"] = new JsonObject { ["type"] = "WhitespaceSplit" },
        ["model"] = new JsonObject { ["type"] = "WordPiece", ["unk_token"] = "[UNK]", ["vocab"] = new JsonObject { ["[UNK]"] = 0, ["a"] = 1 } },
    };

    [Fact]
    public void InvalidJson_NamesFileAndLine()
    {
        using var dir = new TempDir();
        var path = dir.File("tokenizer.json");
        File.WriteAllText(path, "{\n  \"model\": {\n    \"type\": \"BPE\",\n    \"vocab\": {\"a\": 0,,}\n  }\n}\n");
        var e = Assert.Throws<TuneSharpException>(() => TokenizerJsonLoader.LoadFile(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not valid JSON (line 4", e.Message);
    }

    [Fact]
    public void UnknownModelType_NamesPathAndSupportedValues()
    {
        using var dir = new TempDir();
        var json = Minimal();
        json["model"]!["type"] = "WordLevel";
        var path = TokenizerJsonTestFiles.Write(dir, json);
        var e = Assert.Throws<TuneSharpException>(() => TokenizerJsonLoader.LoadFile(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("\"WordLevel\" at \"model.type\"", e.Message);
        Assert.Contains("supported: WordPiece, BPE, Unigram", e.Message);
    }

    [Fact]
    public void UnknownComponentInsideSequence_NamesTheIndexedPath()
    {
        using var dir = new TempDir();
        var json = Minimal();
        json["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(new JsonObject { ["type"] = "WhitespaceSplit" }, new JsonObject { ["type"] = "UnicodeScripts" }),
        };
        var e = Assert.Throws<TuneSharpException>(() => TokenizerJsonLoader.LoadFile(TokenizerJsonTestFiles.Write(dir, json)));
        Assert.Contains("\"UnicodeScripts\" at \"pre_tokenizer.pretokenizers[1].type\"", e.Message);
        Assert.Contains("Metaspace", e.Message);
    }

    [Fact]
    public void MissingVocabulary_AndBadFields_AreNamed()
    {
        using var dir = new TempDir();
        var json = Minimal();
        json["model"]!.AsObject().Remove("vocab");
        var e = Assert.Throws<TuneSharpException>(() => TokenizerJsonLoader.LoadFile(TokenizerJsonTestFiles.Write(dir, json)));
        Assert.Contains("\"model.vocab\" is missing", e.Message);

        json = Minimal();
        json["model"]!["vocab"]!["b"] = "two";
        e = Assert.Throws<TuneSharpException>(() => TokenizerJsonLoader.LoadFile(TokenizerJsonTestFiles.Write(dir, json)));
        Assert.Contains("model.vocab[\"b\"]", e.Message);
        Assert.Contains("must be an integer", e.Message);

        json = Minimal();
        json["model"]!["unk_token"] = "<unk>";
        e = Assert.Throws<TuneSharpException>(() => TokenizerJsonLoader.LoadFile(TokenizerJsonTestFiles.Write(dir, json)));
        Assert.Contains("unk_token \"<unk>\" is not in the vocabulary", e.Message);

        json = Minimal();
        json["pre_tokenizer"] = new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["String"] = " " }, ["behavior"] = "Dropped" };
        e = Assert.Throws<TuneSharpException>(() => TokenizerJsonLoader.LoadFile(TokenizerJsonTestFiles.Write(dir, json)));
        Assert.Contains("\"Dropped\" at \"pre_tokenizer.behavior\"", e.Message);

        e = Assert.Throws<TuneSharpException>(() => TokenizerJsonLoader.LoadFile(dir.File("absent.json")));
        Assert.Contains("does not exist", e.Message);
    }
}
