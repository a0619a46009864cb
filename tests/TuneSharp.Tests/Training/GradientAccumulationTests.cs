using Xunit.Abstractions;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Training;

namespace TuneSharp.Tests.Training;

/// <summary>Accumulating micro-batches must give exactly the update of one large batch (HF's loss-per-example semantics).</summary>
[Collection(TorchRandomCollection.Name)]
public class GradientAccumulationTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(new[] { 8, 8, 8, 8 })]
    [InlineData(new[] { 10, 3, 12, 7 })] // unequal micro-batches: the mean is over all 32 examples, not a mean of means
    public void MicroBatchesGiveTheSameUpdateAsOneLargeBatch(int[] sizes)
    {
        using var dir = new TempDir();
        var data = TinyTextClassification.Dataset(32, seed: 2, maxFillers: 14);
        // Micro-batches cut from the examples sorted by length, so each is padded to a different length.
        var tokenizer = TinyTextClassification.Tokenizer(dir.Path);
        var lengths = data.Examples.Select(e => tokenizer.Encode(e.Text).Length).ToArray();
        var byLength = Enumerable.Range(0, 32).OrderBy(i => lengths[i]).ToArray();
        var micro = new List<int[]>();
        var offset = 0;
        foreach (var size in sizes) { micro.Add(byLength[offset..(offset + size)]); offset += size; }
        Assert.True(micro.Select(b => b.Max(i => lengths[i])).Distinct().Count() >= 3, "micro-batches should have different padded lengths");

        var accumulated = Run(dir, "acc", data, micro, accumulation: 4);
        var large = Run(dir, "large", data, [micro.SelectMany(b => b).ToArray()], accumulation: 1);

        Assert.Equal(large.Loss, accumulated.Loss, 5);
        Assert.True(Math.Abs(large.GradNorm - accumulated.GradNorm) <= 1e-5 * large.GradNorm, $"grad_norm {large.GradNorm} vs {accumulated.GradNorm}");
        var maxChange = 0.0;
        var maxDiff = large.Weights.Max(p => TinyTextClassification.MaxAbsDiff(p.Value, accumulated.Weights[p.Key]));
        log.WriteLine($"loss {large.Loss} vs {accumulated.Loss}; grad_norm {large.GradNorm} vs {accumulated.GradNorm}; max weight diff {maxDiff:E2}");
        foreach (var (name, weight) in large.Weights)
        {
            Assert.True(TinyTextClassification.MaxAbsDiff(weight, accumulated.Weights[name]) <= 1e-5, name);
            maxChange = Math.Max(maxChange, TinyTextClassification.MaxAbsDiff(weight, large.Initial[name]));
        }
        Assert.True(maxChange > 5e-4, "the step must move the weights far more than the tolerance");
    }

    private static readonly Dictionary<string, TorchSharp.torch.Tensor> Initial = TinyTextClassification.Snapshot(TinyTextClassification.Model(initSeed: 7));

    private static (double Loss, double GradNorm, Dictionary<string, TorchSharp.torch.Tensor> Weights, Dictionary<string, TorchSharp.torch.Tensor> Initial) Run(
        TempDir dir, string name, TuneSharp.Data.TextClassificationDataset data, IReadOnlyList<int[]> batches, int accumulation)
    {
        // Both runs start from the same weights, copied rather than re-drawn so no other code can change them.
        var model = TinyTextClassification.Model(initSeed: 7, dropout: 0.0);
        using (TorchSharp.torch.no_grad())
            foreach (var (parameterName, parameter) in model.named_parameters()) parameter.copy_(Initial[parameterName]);
        var initial = TinyTextClassification.Snapshot(model);
        var task = new FixedBatchesTask(TinyTextClassification.Task(model, dir.Path, data), batches);
        var trainer = new Trainer(task, new TrainingArguments
        {
            OutputDir = Path.Combine(dir.Path, name), PerDeviceTrainBatchSize = batches[0].Length, GradientAccumulationSteps = accumulation,
            MaxSteps = 1, LearningRate = 1e-3, WeightDecay = 0.01, MaxGradNorm = 1.0, LoggingSteps = 1, SaveStrategy = IntervalStrategy.No,
        });
        trainer.Train();
        var log = trainer.State.LogHistory[0];
        return (log["loss"], log["grad_norm"], TinyTextClassification.Snapshot(model), initial);
    }
}
