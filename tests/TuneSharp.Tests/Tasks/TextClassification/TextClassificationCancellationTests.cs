using TuneSharp.Tests.Training;
using System.Text.Json;
using TuneSharp.Models;
using TuneSharp.Recipes;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Tasks.TextClassification;

/// <summary>Cancelling <see cref="TextClassificationFineTuning.Run"/> mid-training leaves a complete, resumable checkpoint.</summary>
public class TextClassificationCancellationTests : IDisposable
{
    private readonly TempDir _tmp = new();

    [Fact]
    public void CancellingAtStep3SavesCheckpoint3AndMarksTheResultCancelled()
    {
        var model = TinyTextClassification.BaseModelFolder(Path.Combine(_tmp.Path, "base"));
        var train = _tmp.File("train.tsv");
        File.WriteAllLines(train, new[] { "text\tlabel" }.Concat(TinyTextClassification.Dataset(160, seed: 3).Examples.Select(e => $"{e.Text}\t{e.Label}")));
        var output = _tmp.File("out");

        using var cancellation = new CancellationTokenSource();
        var result = TextClassificationFineTuning.Run(new TextClassificationRunOptions
        {
            ModelDir = model, TrainPath = train,
            Args = new TrainingArguments { OutputDir = output, PerDeviceTrainBatchSize = 8, NumTrainEpochs = 3, LearningRate = 1e-3, MaxLength = 32 },
        }, new CancelAtStep(cancellation, 3), _ => { }, cancellation.Token);

        Assert.True(result.Train.Cancelled);
        Assert.Equal(3, result.Train.GlobalStep);
        Assert.Null(result.Test);
        var checkpoint = Path.Combine(output, CheckpointFolders.Prefix + "3");
        foreach (var file in new[] { "model.safetensors", OptimizerStateFile.FileName, TrainerState.FileName, "config.json" })
            Assert.True(File.Exists(Path.Combine(checkpoint, file)), $"{file} missing from {checkpoint}");
        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(checkpoint, TrainerState.FileName)));
        Assert.Equal(3, state.RootElement.GetProperty("global_step").GetInt32());
        // No later step ran: the only checkpoint is step 3 (save_steps 500 would not have saved before the end).
        Assert.Equal([CheckpointFolders.Prefix + "3"], Directory.GetDirectories(output, CheckpointFolders.Prefix + "*").Select(Path.GetFileName));
    }

    public void Dispose() => _tmp.Dispose();
}
