using TuneSharp.Training;

namespace TuneSharp.Tests.Training;

/// <summary>A trainer callback that cancels <paramref name="source"/> once step <paramref name="atStep"/> is done (the trainer then saves a checkpoint and stops).</summary>
internal sealed class CancelAtStep(CancellationTokenSource source, int atStep) : ITrainerCallback
{
    public void OnStep(int step, double loss, double learningRate, double iterationsPerSecond, TimeSpan eta)
    {
        if (step == atStep) source.Cancel();
    }
}
