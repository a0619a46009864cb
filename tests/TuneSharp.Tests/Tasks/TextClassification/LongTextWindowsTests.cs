using TuneSharp.Architectures.Bert;
using TuneSharp.Data;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tasks.TextClassification;
using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Tasks.TextClassification;

/// <summary>
/// <c>long_text windows</c> for text classification: the windows a long text becomes, the combined logits of its
/// windows (checked against windows cut here from the text's tokens and scored one by one), training on every window
/// with its text's label, and evaluation per text.
/// </summary>
public class LongTextWindowsTests : IDisposable
{
    private const int MaxLength = 12; // [CLS] + 10 text tokens + [SEP]
    private const int Stride = 4;      // windows start every 10 − 4 = 6 tokens
    private readonly TempDir _tmp = new();

    // Every word of the tiny vocabulary is one token, so a text of n words has n tokens.
    private static string Words(int count, int seed, string sentiment)
    {
        var random = new Random(seed);
        var words = Enumerable.Range(0, count - 1).Select(_ => TinyTextClassification.Fillers[random.Next(TinyTextClassification.Fillers.Length)]).ToList();
        words.Insert(random.Next(words.Count + 1), sentiment);
        return string.Join(" ", words);
    }

    private static readonly LongTextOptions MeanWindows = new() { Strategy = LongTextStrategy.Windows, DocStride = Stride };

    // The windows of a text cut independently of TokenizedTexts: the text's tokens without special tokens, window k
    // holding tokens [6k, 6k + 10), the last one reaching the end; each as [CLS] … [SEP].
    private static List<long[]> ReferenceWindows(TextTokenizer tokenizer, string text)
    {
        var ids = tokenizer.Encode(text, null, new EncodeOptions { AddSpecialTokens = false }).InputIds;
        var cls = (long)tokenizer.SpecialTokens.ClsId!;
        var sep = (long)tokenizer.SpecialTokens.SepId!;
        var room = MaxLength - 2;
        var windows = new List<long[]>();
        for (int start = 0; ; start += room - Stride)
        {
            var stop = Math.Min(start + room, ids.Length);
            windows.Add([cls, .. ids[start..stop].Select(i => (long)i), sep]);
            if (stop == ids.Length) return windows;
        }
    }

    private static float[] LogitsOf(ISequenceClassifier model, long[] window)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.Module.eval();
        var ids = tensor(window, [1, window.Length]);
        return model.Forward(ids, ones_like(ids), zeros_like(ids)).to_type(ScalarType.Float32).data<float>().ToArray();
    }

    private static float[] Combine(IEnumerable<float[]> rows, WindowAggregation aggregation)
    {
        var list = rows.ToList();
        return Enumerable.Range(0, list[0].Length)
            .Select(c => aggregation == WindowAggregation.Max ? list.Max(r => r[c]) : (float)list.Average(r => (double)r[c])).ToArray();
    }

    private static double[] Softmax(float[] logits)
    {
        var max = logits.Max();
        var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
        return exp.Select(e => e / exp.Sum()).ToArray();
    }

    [Fact]
    public void ALongTextBecomesOverlappingWindowsThatTrainWithItsLabel()
    {
        using var model = TinyTextClassification.Model(initSeed: 5);
        var tokenizer = TinyTextClassification.Tokenizer(_tmp.Path);
        var train = new TextClassificationDataset([
            new TextClassificationExample(Words(30, 1, "good"), null, "pos", 1), // windows at 0, 6, 12, 18, 24: five
            new TextClassificationExample(Words(5, 2, "bad"), null, "neg", 2),   // fits: one
            new TextClassificationExample(Words(10, 3, "bad"), null, "neg", 3),  // exactly fills a window: one
        ], TinyTextClassification.Labels);
        var task = new TextClassificationTask(model, tokenizer, train, train, MaxLength, longText: MeanWindows);

        Assert.Equal(7, task.TrainExampleCount);
        Assert.Equal((1, 1), task.WindowedExamples);
        Assert.Equal((0, 0), task.TruncatedExamples);
        Assert.Equal(3, task.EvalExampleCount); // evaluation scores texts
        Assert.Equal(7, task.EvalInputCount);   // from all their windows
        var reference = ReferenceWindows(tokenizer, train.Examples[0].Text);
        Assert.Equal(5, reference.Count);
        Assert.Equal(reference.Select(w => w.Length).Concat([7, 12]), task.TrainLengths);

        // The loss of the five windows of text 0 is the cross entropy of each window's logits against "pos" (id 1).
        model.eval();
        var expected = reference.Select(w => -Math.Log(Softmax(LogitsOf(model, w))[1])).Sum();
        using (var scope = NewDisposeScope())
        {
            var loss = task.ComputeLoss([0, 1, 2, 3, 4], labelSmoothing: 0);
            Assert.Equal(5, loss.Count);
            Assert.Equal(expected, loss.Sum.item<float>(), 4);
        }
        // Window 5 is text 1, labelled "neg" (id 0).
        using (var scope = NewDisposeScope())
        {
            var shortText = ReferenceWindows(tokenizer, train.Examples[1].Text).Single();
            Assert.Equal(-Math.Log(Softmax(LogitsOf(model, shortText))[0]), task.ComputeLoss([5], 0).Sum.item<float>(), 4);
        }
    }

    [Theory]
    [InlineData(WindowAggregation.Mean)]
    [InlineData(WindowAggregation.Max)]
    public void ATextsScoresComeFromItsWindowsCombinedLogits(WindowAggregation aggregation)
    {
        using var model = TinyTextClassification.Model(initSeed: 6);
        var tokenizer = TinyTextClassification.Tokenizer(_tmp.Path);
        var texts = new[] { Words(30, 4, "good"), Words(3, 5, "bad"), Words(17, 6, "bad"), Words(41, 7, "good") };
        var pipeline = new TextClassificationPipeline(model, tokenizer, MaxLength, MeanWindows with { Aggregation = aggregation });

        var scores = pipeline.Scores(texts, batchSize: 3);
        for (int t = 0; t < texts.Length; t++)
        {
            var expected = Softmax(Combine(ReferenceWindows(tokenizer, texts[t]).Select(w => LogitsOf(model, w)), aggregation));
            for (int c = 0; c < 2; c++) Assert.True(Math.Abs(expected[c] - scores[t][c]) < 1e-5, $"text {t} class {c}: {scores[t][c]} vs {expected[c]}");
        }
        // Truncation scores the first window alone, so the long texts score differently.
        var truncated = new TextClassificationPipeline(model, tokenizer, MaxLength).Scores(texts);
        Assert.Equal(Softmax(LogitsOf(model, ReferenceWindows(tokenizer, texts[0])[0]))[1], truncated[0][1], 5);
        Assert.NotEqual(truncated[3][1], scores[3][1], 4);
        Assert.Equal(truncated[1][1], scores[1][1], 5); // one window: the same either way
    }

    [Fact]
    public void RegressionAndMultiLabelCombineLogitsBeforeTheirScores()
    {
        var tokenizer = TinyTextClassification.Tokenizer(_tmp.Path);
        var text = Words(23, 8, "good");
        var windows = ReferenceWindows(tokenizer, text);
        Assert.Equal(4, windows.Count); // at 0, 6, 12 and 18

        var regressionConfig = TinyTextClassification.Config(0);
        SequenceClassificationConfig.Apply(regressionConfig, new() { NumLabels = 1, ProblemType = ProblemType.Regression });
        manual_seed(7);
        using var regression = new BertForSequenceClassification(regressionConfig);
        var value = new TextClassificationPipeline(regression, tokenizer, MaxLength, MeanWindows with { Aggregation = WindowAggregation.Max }).Scores([text]).Single().Single();
        Assert.Equal(windows.Max(w => LogitsOf(regression, w)[0]), value, 5);

        var multiConfig = TinyTextClassification.Config(0);
        SequenceClassificationConfig.Apply(multiConfig, new() { NumLabels = 3, ProblemType = ProblemType.MultiLabelClassification });
        manual_seed(8);
        using var multi = new BertForSequenceClassification(multiConfig);
        var probabilities = new TextClassificationPipeline(multi, tokenizer, MaxLength, MeanWindows).Scores([text]).Single();
        var mean = Combine(windows.Select(w => LogitsOf(multi, w)), WindowAggregation.Mean);
        for (int c = 0; c < 3; c++) Assert.Equal(1 / (1 + Math.Exp(-mean[c])), probabilities[c], 5);
    }

    [Fact]
    public void EvaluationScoresEachTextOnceFromItsWindows()
    {
        using var model = TinyTextClassification.Model(initSeed: 9);
        var tokenizer = TinyTextClassification.Tokenizer(_tmp.Path);
        var eval = new TextClassificationDataset(
            Enumerable.Range(0, 9).Select(i => new TextClassificationExample(Words(4 + 5 * i, 20 + i, i % 2 == 0 ? "good" : "bad"), null, i % 2 == 0 ? "pos" : "neg", i + 2)).ToList(),
            TinyTextClassification.Labels);
        var task = new TextClassificationTask(model, tokenizer, eval, eval, MaxLength, longText: MeanWindows);
        var metrics = task.Evaluate(batchSize: 4, labelSmoothing: 0, CancellationToken.None);

        var pipeline = new TextClassificationPipeline(model, tokenizer, MaxLength, MeanWindows);
        var scores = pipeline.Scores(eval.Examples.Select(e => e.Text));
        var expectedLoss = eval.Examples.Select((e, i) => -Math.Log(scores[i][e.Label == "pos" ? 1 : 0])).Average();
        var expectedAccuracy = eval.Examples.Select((e, i) => (scores[i][1] > scores[i][0]) == (e.Label == "pos") ? 1.0 : 0.0).Average();
        Assert.Equal(expectedLoss, metrics["eval_loss"], 5);
        Assert.Equal(expectedAccuracy, metrics["eval_accuracy"], 10);
        var evaluator = TextClassificationEvaluator.Evaluate(pipeline, eval, batchSize: 2);
        Assert.Equal(expectedLoss, evaluator.Loss, 5);
        Assert.Equal(9, evaluator.Count);
    }

    [Fact]
    public void BadWindowSettingsAreRefusedWithTheirNames()
    {
        using var model = TinyTextClassification.Model(initSeed: 1);
        var tokenizer = TinyTextClassification.Tokenizer(_tmp.Path);
        var data = TinyTextClassification.Dataset(4, seed: 1);

        var tooWide = Assert.Throws<TuneSharpException>(() => new TextClassificationTask(model, tokenizer, data, null, MaxLength, longText: MeanWindows with { DocStride = MaxLength }));
        Assert.Equal("doc_stride", tooWide.Setting);
        Assert.Contains("smaller than max_length (12)", tooWide.Message);
        var withoutWindows = Assert.Throws<TuneSharpException>(() => new TextClassificationTask(model, tokenizer, data, null, MaxLength, longText: new LongTextOptions { DocStride = 3 }));
        Assert.Contains("only applies to long_text windows", withoutWindows.Message);

        // A pair so long that its first text has no room left: the file and line are named.
        var pairs = new TextClassificationDataset([
            new TextClassificationExample(Words(20, 1, "good"), "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10", "pos", 7),
        ], TinyTextClassification.Labels, "pairs.tsv");
        var noRoom = Assert.Throws<TuneSharpException>(() => new TextClassificationTask(model, tokenizer, pairs, null, MaxLength, longText: MeanWindows));
        Assert.StartsWith("pairs.tsv, line 7: ", noRoom.Message);
    }

    [Fact]
    public void WithAPairTheFirstTextIsWindowedAndThePairRepeated()
    {
        using var model = TinyTextClassification.Model(initSeed: 2);
        var tokenizer = TinyTextClassification.Tokenizer(_tmp.Path);
        var data = new TextClassificationDataset([
            new TextClassificationExample(Words(20, 3, "good"), "w1 w2", "pos", 1),
        ], TinyTextClassification.Labels);
        // [CLS] 7 text tokens [SEP] w1 w2 [SEP]: room 7, stride 4, windows at 0, 3, 6, 9, 12, 15, the last with 5 text tokens.
        var task = new TextClassificationTask(model, tokenizer, data, null, MaxLength, longText: MeanWindows);
        Assert.Equal(6, task.TrainExampleCount);
        Assert.Equal([12, 12, 12, 12, 12, 10], task.TrainLengths);
    }

    [Fact]
    public void ThePlanCountsEveryWindowForTrainingAndEvaluation()
    {
        using var model = TinyTextClassification.Model(initSeed: 3);
        var tokenizer = TinyTextClassification.Tokenizer(_tmp.Path);
        var data = new TextClassificationDataset(
            Enumerable.Range(0, 40).Select(i => new TextClassificationExample(Words(30, i, i % 2 == 0 ? "good" : "bad"), null, i % 2 == 0 ? "pos" : "neg", i + 2)).ToList(),
            TinyTextClassification.Labels);
        TuneSharp.Planning.ResourcePlan Plan(LongTextOptions longText)
        {
            var task = new TextClassificationTask(model, tokenizer, data, data, MaxLength, longText: longText);
            return TuneSharp.Planning.ResourcePlanner.Plan(new TuneSharp.Planning.ResourcePlanInputs
            {
                Model = task.Model, Config = model.Config, Task = task, TrainLengths = task.TrainLengths,
                Args = new TuneSharp.Training.TrainingArguments { OutputDir = _tmp.File("out"), PerDeviceTrainBatchSize = 8, NumTrainEpochs = 1 },
                Machine = new TuneSharp.Planning.MachineResources(64L << 30, 60L << 30, 2), ProcessBytes = 300L << 20, MatmulGflops = 100, MemoryGBps = 10,
                Allocator = "tcmalloc",
            });
        }
        var truncated = Plan(LongTextOptions.Truncate);
        var windows = Plan(MeanWindows);
        // 30 tokens: 5 windows of 12, 12, 12, 12 and 8 tokens (with [CLS] and [SEP]) instead of one of 12; batches are
        // padded to their longest window, so a batch of last windows only would count 8 a window.
        Assert.Equal(40 * 12, truncated.TrainTokens);
        Assert.InRange(windows.TrainTokens, 40 * (4 * 12 + 8), 40 * 5 * 12);
        Assert.Equal(5, windows.Steps / truncated.Steps);
        Assert.True(windows.Flops > 4.5 * truncated.Flops, $"{windows.Flops:e3} vs {truncated.Flops:e3}: evaluation windows count too");
    }

    public void Dispose() => _tmp.Dispose();
}
