using TuneSharp.Architectures.Bert;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tasks.TextClassification;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Training;

/// <summary>
/// resume_from_checkpoint continues exactly: an interrupted run resumed into a freshly (differently) initialised model
/// ends with bit-identical weights and the same log history as an uninterrupted run, with dropout and weight decay on.
/// </summary>
[Collection(TorchRandomCollection.Name)]
public class ResumeFromCheckpointTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly string _tokenizerDir;

    public ResumeFromCheckpointTests()
    {
        _tokenizerDir = _tmp.File("tokenizer");
        Directory.CreateDirectory(_tokenizerDir);
    }

    private sealed class LogCollector : ITrainerCallback
    {
        public List<string> Lines { get; } = new();
        public void OnLog(string message) => Lines.Add(message);
    }

    // 44 examples in batches of 4 = 11 micro-batches; accumulating 2 gives 6 optimizer steps per epoch, the last one a
    // partial group. Two epochs = 12 steps. Dropout, weight decay, warmup + linear decay and clipping are all on.
    private TrainingArguments Args(string output) => new()
    {
        OutputDir = output, PerDeviceTrainBatchSize = 4, GradientAccumulationSteps = 2, NumTrainEpochs = 2, LearningRate = 3e-3,
        WeightDecay = 0.1, WarmupSteps = 2, MaxGradNorm = 0.5, LoggingSteps = 1, SaveSteps = 4, Seed = 7,
        EvalStrategy = IntervalStrategy.Steps, EvalSteps = 2, EarlyStoppingPatience = 50,
    };

    private const int InitSeed = 0;
    private const double Dropout = 0.2;

    private TextClassificationTask NewTask(BertForSequenceClassification model) =>
        TinyTextClassification.Task(model, _tokenizerDir, TinyTextClassification.Dataset(44, seed: 5), TinyTextClassification.Dataset(12, seed: 6));

    /// <summary>The uninterrupted reference run: its final weights and log history.</summary>
    private (Dictionary<string, Tensor> Weights, TrainerState State, TrainResult Result) Uninterrupted()
    {
        using var model = TinyTextClassification.Model(InitSeed, Dropout);
        var trainer = new Trainer(NewTask(model), Args(_tmp.File("a")));
        var result = trainer.Train();
        Assert.Equal(12, result.GlobalStep);
        return (TinyTextClassification.Snapshot(model), trainer.State, result);
    }

    /// <summary>Trains until step <paramref name="stopAt"/> is done and cancelled (a checkpoint is saved).</summary>
    private string Interrupted(string output, int stopAt)
    {
        using var model = TinyTextClassification.Model(InitSeed, Dropout);
        using var cancel = new CancellationTokenSource();
        var result = new Trainer(NewTask(model), Args(output), new CancelAtStep(cancel, stopAt)).Train(cancel.Token);
        Assert.True(result.Cancelled);
        Assert.Equal(stopAt, result.GlobalStep);
        var checkpoint = CheckpointFolders.PathFor(output, stopAt);
        Assert.True(File.Exists(Path.Combine(checkpoint, RngStateFile.FileName)), $"{RngStateFile.FileName} missing from {checkpoint}");
        return checkpoint;
    }

    /// <summary>A new trainer over a freshly initialised model with another seed resumes from <paramref name="resumeFrom"/>.</summary>
    private (Dictionary<string, Tensor> Weights, TrainerState State, TrainResult Result, LogCollector Log) Resumed(string output, string resumeFrom)
    {
        using var model = TinyTextClassification.Model(initSeed: 123, Dropout);
        using (var reference = TinyTextClassification.Model(InitSeed, Dropout))
            Assert.False(TinyTextClassification.Identical(model.named_parameters().First().parameter, reference.named_parameters().First().parameter),
                "the resumed run must start from other weights, so that equal results prove the checkpoint was loaded");
        var log = new LogCollector();
        var trainer = new Trainer(NewTask(model), Args(output) with { ResumeFromCheckpoint = resumeFrom }, log);
        var result = trainer.Train();
        return (TinyTextClassification.Snapshot(model), trainer.State, result, log);
    }

    private static void AssertBitIdentical(Dictionary<string, Tensor> expected, Dictionary<string, Tensor> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, tensor) in expected)
            Assert.True(TinyTextClassification.Identical(tensor, actual[name]),
                $"{name}: max |difference| {TinyTextClassification.MaxAbsDiff(tensor, actual[name]):E3}");
    }

    /// <summary>Training and evaluation entries without the wall-clock fields (runtime, speed).</summary>
    private static List<string> Comparable(TrainerState state) => state.LogHistory
        .Where(e => e.ContainsKey("loss") || e.ContainsKey("eval_loss") || e.ContainsKey("train_loss"))
        .Select(e => string.Join(", ", e.Where(p => !p.Key.Contains("runtime") && !p.Key.Contains("per_second"))
            .OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value:R}")))
        .ToList();

    [Fact]
    public void ResumingMidEpochFromLatestEndsBitIdenticalToAnUninterruptedRun()
    {
        var a = Uninterrupted();
        var output = _tmp.File("b");
        Interrupted(output, stopAt: 9); // epoch 1, 3 of its 6 steps done; checkpoint-9 written by the cancellation
        Assert.Equal([4, 8, 9], CheckpointFolders.List(output).Select(c => c.Step));

        var b = Resumed(output, CheckpointFolders.Latest);
        Assert.Contains(b.Log.Lines, l => l.StartsWith($"resumed from {CheckpointFolders.PathFor(output, 9)} at step 9", StringComparison.Ordinal));
        Assert.Equal(12, b.Result.GlobalStep);
        AssertBitIdentical(a.Weights, b.Weights);
        Assert.Equal(Comparable(a.State), Comparable(b.State)); // losses, grad norms, learning rates, epochs, eval metrics, train_loss
        Assert.Equal(a.Result.TrainLoss, b.Result.TrainLoss);
        Assert.Equal(a.State.BestMetric, b.State.BestMetric);
        Assert.Equal(a.State.BestStep, b.State.BestStep);
        Assert.Equal(a.State.EarlyStoppingPatienceCounter, b.State.EarlyStoppingPatienceCounter);
    }

    [Fact]
    public void ResumingAtAnEpochBoundaryFromAnExplicitFolderEndsBitIdentical()
    {
        var a = Uninterrupted();
        var output = _tmp.File("b");
        var checkpoint = Interrupted(output, stopAt: 6); // exactly the end of epoch 0

        var b = Resumed(output, checkpoint);
        AssertBitIdentical(a.Weights, b.Weights);
        Assert.Equal(Comparable(a.State), Comparable(b.State));

        // Without the generator state the dropout masks differ, so the same resume no longer matches: the test above
        // does depend on restoring the random generator.
        File.Delete(Path.Combine(checkpoint, RngStateFile.FileName));
        var noRng = Resumed(_tmp.File("c"), checkpoint);
        Assert.Contains(noRng.Log.Lines, l => l.Contains($"no {RngStateFile.FileName}", StringComparison.Ordinal));
        Assert.Contains(a.Weights, p => !TinyTextClassification.Identical(p.Value, noRng.Weights[p.Key]));
    }

    [Fact]
    public void ResumeFromCheckpointIsReadFromConfigFilesAndMustNotBeEmpty()
    {
        var args = TrainingArgumentsFile.Build(new System.Text.Json.Nodes.JsonObject { ["output_dir"] = "out", ["resume_from_checkpoint"] = "latest" },
            new Dictionary<string, object?>());
        Assert.Equal("latest", args.ResumeFromCheckpoint);
        Assert.Contains("\"resume_from_checkpoint\": \"latest\"", args.ToJson());
        var e = Assert.Throws<TrainingException>(() => (Args("out") with { ResumeFromCheckpoint = " " }).Validate());
        Assert.Contains("resume_from_checkpoint must be a checkpoint folder or \"latest\"", e.Message);
    }

    [Fact]
    public void LatestWithoutAnyCheckpointIsAClearError()
    {
        using var model = TinyTextClassification.Model(InitSeed, Dropout);
        var output = _tmp.File("empty");
        var e = Assert.Throws<TrainingException>(() => new Trainer(NewTask(model), Args(output) with { ResumeFromCheckpoint = "latest" }).Train());
        Assert.Contains("holds no checkpoint-N folder", e.Message);
        Assert.Contains(output, e.Message);
    }

    [Fact]
    public void AMissingCheckpointFolderIsNamed()
    {
        using var model = TinyTextClassification.Model(InitSeed, Dropout);
        var missing = _tmp.File("nowhere/checkpoint-3");
        var e = Assert.Throws<TrainingException>(() => new Trainer(NewTask(model), Args(_tmp.File("out")) with { ResumeFromCheckpoint = missing }).Train());
        Assert.Contains($"'{missing}' does not exist", e.Message);
    }

    [Fact]
    public void AnIncompleteCheckpointNamesTheMissingFiles()
    {
        using var model = TinyTextClassification.Model(InitSeed, Dropout);
        var output = _tmp.File("out");
        var checkpoint = CheckpointFolders.PathFor(output, 3);
        Directory.CreateDirectory(checkpoint);
        new TrainerState { GlobalStep = 3 }.Save(checkpoint);
        var e = Assert.Throws<TrainingException>(() => new Trainer(NewTask(model), Args(output) with { ResumeFromCheckpoint = "latest" }).Train());
        Assert.Contains("not a complete checkpoint", e.Message);
        Assert.Contains(OptimizerStateFile.FileName, e.Message);
        Assert.DoesNotContain(TrainerState.FileName, e.Message);
    }

    [Fact]
    public void ACheckpointOfAModelWithOtherShapesIsRejectedNamingTheTensor()
    {
        var output = _tmp.File("b");
        var checkpoint = Interrupted(output, stopAt: 2);
        var config = TinyTextClassification.Config(Dropout);
        config.IntermediateSize = 24;
        manual_seed(1);
        using var other = new BertForSequenceClassification(config);
        var e = Assert.ThrowsAny<TuneSharpException>(() => new Trainer(NewTask(other), Args(_tmp.File("c")) with { ResumeFromCheckpoint = checkpoint }).Train());
        Assert.Contains("intermediate.dense.weight", e.Message);
    }

    [Fact]
    public void OptimizerStateForParametersTheModelDoesNotTrainIsRejectedNamingThem()
    {
        var output = _tmp.File("b");
        var checkpoint = Interrupted(output, stopAt: 2);
        using var model = TinyTextClassification.Model(InitSeed, Dropout);
        var frozen = model.named_parameters().First(p => p.name.EndsWith("word_embeddings.weight", StringComparison.Ordinal));
        frozen.parameter.requires_grad = false; // same weights, but one parameter less in the optimizer
        var e = Assert.Throws<TrainingException>(() => new Trainer(NewTask(model), Args(_tmp.File("c")) with { ResumeFromCheckpoint = checkpoint }).Train());
        Assert.Contains($"'{frozen.name}'", e.Message);
        Assert.Contains("does not train", e.Message);
    }

    [Fact]
    public void OptimizerStateRoundTripsByNameAndRejectsOtherShapes()
    {
        using var dir = new TempDir();
        var args = Args(dir.Path);
        using var model = TinyTextClassification.Model(InitSeed, Dropout);
        var trainable = OptimizerSetup.TrainableParameters(model);
        using var optimizer = OptimizerSetup.CreateAdamW(trainable, args);
        // Random moments and a distinct step count per parameter, so a mix-up of parameters would show.
        var states = trainable.Select(p => (p.Name, State: OptimizerStateOf(optimizer, trainable, p.Name))).ToList();
        foreach (var (i, s) in states.Index())
        {
            s.State.step = 10 + i;
            using (no_grad()) { s.State.exp_avg.normal_(); s.State.exp_avg_sq.uniform_(0, 1); }
        }
        OptimizerStateFile.Save(dir.Path, optimizer, trainable);

        using var fresh = TinyTextClassification.Model(initSeed: 9, Dropout);
        var freshTrainable = OptimizerSetup.TrainableParameters(fresh);
        using var freshOptimizer = OptimizerSetup.CreateAdamW(freshTrainable, args);
        OptimizerStateFile.Load(dir.Path, freshOptimizer, freshTrainable);
        foreach (var (name, s) in states)
        {
            var loaded = OptimizerStateOf(freshOptimizer, freshTrainable, name);
            Assert.Equal(s.step, loaded.step);
            Assert.True(TinyTextClassification.Identical(s.exp_avg, loaded.exp_avg), name);
            Assert.True(TinyTextClassification.Identical(s.exp_avg_sq, loaded.exp_avg_sq), name);
            using var grad = freshTrainable.First(p => p.Name == name).Parameter.grad;
            Assert.NotNull(grad); // stepped parameters get a zero gradient, as they have in an uninterrupted run
            Assert.Equal(0f, grad!.abs().max().item<float>());
        }

        var config = TinyTextClassification.Config(Dropout);
        config.IntermediateSize = 24;
        using var other = new BertForSequenceClassification(config);
        var otherTrainable = OptimizerSetup.TrainableParameters(other);
        using var otherOptimizer = OptimizerSetup.CreateAdamW(otherTrainable, args);
        var e = Assert.Throws<TrainingException>(() => OptimizerStateFile.Load(dir.Path, otherOptimizer, otherTrainable));
        Assert.Contains("intermediate.dense.weight' has shape [32, 16] but the model's parameter has shape [24, 16]", e.Message);
    }

    private static TorchSharp.Modules.AdamW.State OptimizerStateOf(TorchSharp.Modules.AdamW optimizer, List<NamedParameter> trainable, string name)
    {
        var ordered = optimizer.ParamGroups.Cast<TorchSharp.Modules.ParamGroup>().SelectMany(g => g.Parameters).ToList();
        var handle = trainable.First(p => p.Name == name).Parameter.Handle;
        return (TorchSharp.Modules.AdamW.State)optimizer.state_dict().State[ordered.FindIndex(p => p.Handle == handle)];
    }

    public void Dispose() => _tmp.Dispose();
}
