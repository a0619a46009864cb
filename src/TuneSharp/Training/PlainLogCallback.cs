using System.Globalization;

namespace TuneSharp.Training;

/// <summary>
/// Writes plain progress lines (no terminal control codes) for logs and redirected output: a step line every
/// <c>stepEvery</c> steps, each evaluation, and each logged event.
/// </summary>
public sealed class PlainLogCallback : ITrainerCallback
{
    private readonly TextWriter _writer;
    private readonly int _stepEvery;
    private int _totalSteps;

    /// <param name="writer">Where lines go.</param>
    /// <param name="stepEvery">Write a step line every this many optimizer steps (and at the last step).</param>
    public PlainLogCallback(TextWriter writer, int stepEvery = 10)
    {
        _writer = writer ?? throw new ArgumentNullException(nameof(writer));
        _stepEvery = Math.Max(1, stepEvery);
    }

    public void OnTrainBegin(int totalSteps)
    {
        _totalSteps = totalSteps;
        _writer.WriteLine($"training: {totalSteps} optimizer steps");
    }

    public void OnStep(int step, double loss, double learningRate, double iterationsPerSecond, TimeSpan eta)
    {
        if (step % _stepEvery != 0 && step != _totalSteps) return;
        _writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"step {step}/{_totalSteps} loss {loss:F4} lr {learningRate:E3} {iterationsPerSecond:F2} it/s eta {eta:hh\\:mm\\:ss}"));
    }

    public void OnEvaluate(int step, IReadOnlyDictionary<string, double> metrics) =>
        _writer.WriteLine($"eval at step {step}: " + string.Join(", ",
            metrics.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:G6}"))));

    public void OnLog(string message) => _writer.WriteLine(message);

    public void OnTrainEnd(TrainResult result) =>
        _writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"training {(result.Cancelled ? "cancelled" : "done")}: {result.GlobalStep} steps, train_loss {result.TrainLoss:F4}, {result.RuntimeSeconds:F1} s"));
}
