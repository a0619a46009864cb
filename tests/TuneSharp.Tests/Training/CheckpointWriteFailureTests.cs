using TuneSharp.Checkpoints;
using TuneSharp.Training;

namespace TuneSharp.Tests.Training;

/// <summary>
/// A checkpoint that cannot be written (here: a file squats the name of the checkpoint's temporary folder, a fault
/// that needs no root; bench `out-of-disk` does the real ENOSPC) stops training with a TrainingException naming the
/// checkpoint and the last complete one, which stays loadable and resumable.
/// </summary>
public class CheckpointWriteFailureTests
{
    private static TrainingArguments Args(string dir) => new()
    {
        OutputDir = dir, PerDeviceTrainBatchSize = 4, MaxSteps = 6, LearningRate = 0.05, LoggingSteps = 1,
        SaveStrategy = IntervalStrategy.Steps, SaveSteps = 2,
    };

    [Fact]
    public void AFailedCheckpointWriteIsAUserErrorAndTheLastCheckpointStaysResumable()
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, ".tmp-checkpoint-4"), "a file where the checkpoint's folder must go");

        using (var task = new ToyRegressionTask())
        {
            var error = Assert.Throws<TrainingException>(() => new Trainer(task, Args(dir.Path)).Train());
            Assert.Contains($"Could not write the checkpoint {CheckpointFolders.PathFor(dir.Path, 4)}", error.Message);
            Assert.Contains($"The last complete checkpoint, {CheckpointFolders.PathFor(dir.Path, 2)}, is intact", error.Message);
            Assert.IsAssignableFrom<IOException>(error.InnerException);
        }
        Assert.Equal([2], CheckpointFolders.List(dir.Path).Select(c => c.Step));
        Assert.False(File.Exists(Path.Combine(dir.Path, "model.safetensors")), "training stopped: no final model");

        // The fault removed, the run resumes from checkpoint-2 and finishes.
        File.Delete(Path.Combine(dir.Path, ".tmp-checkpoint-4"));
        using var resumed = new ToyRegressionTask();
        var result = new Trainer(resumed, Args(dir.Path) with { ResumeFromCheckpoint = CheckpointFolders.Latest }).Train();
        Assert.Equal(6, result.GlobalStep);
        Assert.NotEmpty(ModelWeights.Load(dir.Path));
    }
}
