using TuneSharp.Training;

namespace TuneSharp.Tests.Training;

public class PlainLogCallbackTests
{
    [Fact]
    public void WritesPlainProgressEvaluationAndEndLines()
    {
        using var dir = new TempDir();
        using var task = new ToyRegressionTask(examples: 40);
        var writer = new StringWriter();
        new Trainer(task, new TrainingArguments
        {
            OutputDir = dir.Path, PerDeviceTrainBatchSize = 4, MaxSteps = 10, LoggingSteps = 5, EvalStrategy = IntervalStrategy.Steps,
            EvalSteps = 5, SaveStrategy = IntervalStrategy.No,
        }, new PlainLogCallback(writer, stepEvery: 5)).Train();
        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("training: 10 optimizer steps", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("step 5/10 loss ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("step 10/10 loss ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("eval at step 5: eval_loss ", StringComparison.Ordinal));
        Assert.StartsWith("training done: 10 steps, train_loss ", lines[^1]);
        Assert.DoesNotContain('\u001b', writer.ToString()); // no terminal control codes
    }
}
