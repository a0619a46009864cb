using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tasks.TextClassification;
using TuneSharp.Tests.Training;
using TuneSharp.Tokenization;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Tasks.TextClassification;

/// <summary>The real MiniLM checkpoint through the whole path: new head, a few steps, save, reload with the pipeline.</summary>
[Collection(TorchRandomCollection.Name)]
public class MiniLmFineTuneTests
{
    [SkippableFact]
    public void FineTunedMiniLmSavesALoadableFolderThatPredictsLikeTheInMemoryModel()
    {
        var modelDir = SharedData.RequireModel("all-MiniLM-L6-v2");
        using var dir = new TempDir();
        manual_seed(0);
        var (model, report) = SequenceClassifierFactory.FromPretrained(modelDir, new SequenceClassificationOptions
        {
            Id2Label = TinyTextClassification.Labels.Id2Label, HiddenDropoutOverride = 0.0,
        });
        using var module = model.Module;
        Assert.Contains("classifier.weight", report.MissingKeys);
        var tokenizer = TextTokenizer.FromPretrained(modelDir);
        var data = new TuneSharp.Data.TextClassificationDataset(
            [new("a good film", null, "pos", 1), new("a bad film", null, "neg", 2), new("good acting, good story", null, "pos", 3), new("bad and boring", null, "neg", 4)],
            TinyTextClassification.Labels);
        var task = new TextClassificationTask(model, tokenizer, data, data, maxLength: 16, tokenizerDir: modelDir);
        var output = Path.Combine(dir.Path, "out");
        var result = new Trainer(task, new TrainingArguments
        {
            OutputDir = output, PerDeviceTrainBatchSize = 2, MaxSteps = 3, LearningRate = 1e-4, SaveStrategy = IntervalStrategy.No,
        }).Train();
        Assert.Equal(3, result.GlobalStep);
        foreach (var file in new[] { "vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "config.json", "model.safetensors" })
            Assert.True(File.Exists(Path.Combine(output, file)), file);

        var texts = new[] { "what a good day", "bad weather again and again" };
        var inMemory = new TextClassificationPipeline(model, tokenizer).Predict(texts);
        using var loaded = TextClassificationPipeline.FromPretrained(output);
        var reloaded = loaded.Predict(texts);
        for (int i = 0; i < texts.Length; i++)
            for (int k = 0; k < 2; k++)
                Assert.True(Math.Abs(inMemory[i].Scores[k].Score - reloaded[i].Scores.Single(s => s.Label == inMemory[i].Scores[k].Label).Score) <= 1e-6);
    }
}
