using TuneSharp.Tasks.TextClassification;

namespace TuneSharp.Tests.Tasks.TextClassification;

public class TextClassificationPipelineTests
{
    private static readonly string[] Texts =
    [
        "w1 good w2", "bad", "w3 w4 w5 w6 w7 bad w8 w9", "good w10", "w11 w12 w13 good", "w0 bad w0 bad w0 bad w0 bad w0 bad w0",
    ];

    [Fact]
    public void SavedAndReloadedModelPredictsTheSameScoresAsTheInMemoryModel()
    {
        using var dir = new TempDir();
        var output = Path.Combine(dir.Path, "saved");
        using var model = TinyTextClassification.Model(initSeed: 3, dropout: 0.1);
        var task = TinyTextClassification.Task(model, dir.Path, TinyTextClassification.Dataset(8, seed: 1));
        task.Save(output);
        model.train(); // the pipeline must switch to eval() itself (dropout off)

        var inMemory = new TextClassificationPipeline(model, TinyTextClassification.Tokenizer(dir.Path)).Predict(Texts, batchSize: 4);
        Assert.True(model.training, "the pipeline restores the model's mode");
        using var loaded = TextClassificationPipeline.FromPretrained(output);
        var reloaded = loaded.Predict(Texts, batchSize: 4);

        Assert.Equal(Texts.Length, reloaded.Count);
        for (int i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(inMemory[i].Label, reloaded[i].Label);
            foreach (var score in inMemory[i].Scores)
                Assert.True(Math.Abs(score.Score - reloaded[i].Scores.Single(s => s.Label == score.Label).Score) <= 1e-6, $"text {i} {score.Label}");
            Assert.Equal(1.0, reloaded[i].Scores.Sum(s => s.Score), 6); // softmax
            Assert.Equal(reloaded[i].Scores.Max(s => s.Score), reloaded[i].Score);
        }
    }

    [Fact]
    public void ResultsComeBackInInputOrderWhateverTheBatching()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 4);
        var pipeline = new TextClassificationPipeline(model, TinyTextClassification.Tokenizer(dir.Path));
        var batched = pipeline.Predict(Texts, batchSize: 3);
        for (int i = 0; i < Texts.Length; i++)
        {
            var single = pipeline.Predict([Texts[i]], batchSize: 1)[0];
            Assert.Equal(single.Label, batched[i].Label);
            Assert.True(Math.Abs(single.Score - batched[i].Score) <= 1e-6, $"text {i}: {single.Score} vs {batched[i].Score}");
        }
        var top1 = pipeline.Predict(Texts, topK: 1);
        Assert.All(top1, p => Assert.Single(p.Scores));
        Assert.Equal(["neg", "pos"], pipeline.Labels);
    }
}
