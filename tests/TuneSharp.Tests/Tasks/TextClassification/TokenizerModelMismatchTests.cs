using TuneSharp.Tasks.CausalLm;
using System.Text.Json.Nodes;
using TuneSharp.Architectures.Bert;
using TuneSharp.Architectures.Llama;
using TuneSharp.Inference;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tasks.TextClassification;
using TuneSharp.Tests.Models;
using TuneSharp.Tokenization;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Tasks.TextClassification;

/// <summary>
/// A tokenizer whose ids reach past the model's embedding table is refused when the two are put together (loading a
/// trained folder, building a training task, generating), with a message naming the files and both sizes; a table
/// larger than the vocabulary (a padded vocabulary) is fine; and a config.json whose vocab_size disagrees with the
/// embedding tensor in model.safetensors is a clear error.
/// </summary>
[Collection(TuneSharp.Tests.Training.TorchRandomCollection.Name)]
public class TokenizerModelMismatchTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    /// <summary>A saved tiny classifier with <paramref name="embeddingRows"/> embedding rows and the 27-token vocab.txt.</summary>
    private string SavedClassifier(int embeddingRows)
    {
        var dir = _tmp.File($"classifier-{embeddingRows}");
        Directory.CreateDirectory(dir);
        var config = TinyTextClassification.Config(dropout: 0.0);
        config.VocabSize = embeddingRows;
        manual_seed(0);
        using (var model = new BertForSequenceClassification(config)) model.SavePretrained(dir);
        TinyTextClassification.Tokenizer(dir);
        return dir;
    }

    private static int VocabSize => TinyTextClassification.Vocab.Length;

    [Fact]
    public void LoadingATrainedFolderWithTooSmallAnEmbeddingTableNamesBothFilesAndSizes()
    {
        var dir = SavedClassifier(VocabSize - 5);
        var error = Assert.ThrowsAny<TuneSharpException>(() => TextClassificationPipeline.FromPretrained(dir));
        Assert.Contains($"vocab.txt in {dir}", error.Message);
        Assert.Contains($"has {VocabSize} tokens", error.Message);
        Assert.Contains($"only {VocabSize - 5} rows (config.json in {dir}: vocab_size = {VocabSize - 5})", error.Message);
    }

    [Fact]
    public void AnEmbeddingTableLargerThanTheVocabularyIsAccepted()
    {
        var dir = SavedClassifier(VocabSize + 37); // padded vocabularies are normal
        using var pipeline = TextClassificationPipeline.FromPretrained(dir);
        var prediction = Assert.Single(pipeline.Predict(["w1 good w2"]));
        Assert.Contains(prediction.Label, new[] { "neg", "pos" });
    }

    [Fact]
    public void TrainingWithATokenizerBiggerThanTheModelIsRefusedBeforeAnyStep()
    {
        var tokenizerDir = _tmp.File("tokenizer");
        Directory.CreateDirectory(tokenizerDir);
        var config = TinyTextClassification.Config(dropout: 0.0);
        config.VocabSize = 10;
        using var model = new BertForSequenceClassification(config);
        var error = Assert.ThrowsAny<TuneSharpException>(() => new TextClassificationTask(
            model, TinyTextClassification.Tokenizer(tokenizerDir), TinyTextClassification.Dataset(8, seed: 1), tokenizerDir: tokenizerDir));
        Assert.Contains("vocab.txt", error.Message);
        Assert.Contains($"has {VocabSize} tokens", error.Message);
        Assert.Contains("only 10 rows", error.Message);
    }

    [Fact]
    public void GeneratingWithATokenizerBiggerThanTheModelIsRefused()
    {
        var tokenizerDir = _tmp.File("tokenizer");
        Directory.CreateDirectory(tokenizerDir);
        var tokenizer = TinyTextClassification.Tokenizer(tokenizerDir);
        var config = TinyModels.Llama();
        config.VocabSize = VocabSize - 1;
        using var model = new CausalLanguageModel(config);
        var error = Assert.ThrowsAny<TuneSharpException>(() => new TextGenerator(model, tokenizer));
        Assert.Contains($"has {VocabSize} tokens", error.Message);
        Assert.Contains($"only {VocabSize - 1} rows", error.Message);

        config = TinyModels.Llama();
        config.VocabSize = VocabSize + 3;
        using var bigger = new CausalLanguageModel(config);
        _ = new TextGenerator(bigger, tokenizer); // accepted
    }

    [Fact]
    public void AConfigVocabSizeThatDisagreesWithTheEmbeddingTensorIsAClearError()
    {
        var dir = SavedClassifier(VocabSize);
        var configPath = Path.Combine(dir, "config.json");
        var json = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        json["vocab_size"] = VocabSize + 8;
        File.WriteAllText(configPath, json.ToJsonString());

        var error = Assert.ThrowsAny<TuneSharpException>(() => TextClassificationPipeline.FromPretrained(dir));
        Assert.Contains("word_embeddings.weight", error.Message);
        Assert.Contains($"{VocabSize}", error.Message);
        Assert.Contains($"{VocabSize + 8}", error.Message);
    }
}
