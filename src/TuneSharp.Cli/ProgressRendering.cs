using Spectre.Console;
using TuneSharp.Training;

namespace TuneSharp.Cli;

/// <summary>
/// Runs a training job with a live Spectre.Console progress bar (loss, learning rate, it/s, ETA, last eval metric)
/// when standard error is a terminal, and with plain periodic log lines otherwise (CI logs, files, pipes).
/// </summary>
internal static class ProgressRendering
{
    /// <summary>Runs <paramref name="job"/> with a trainer callback and a line reporter that both draw on the same
    /// display, so messages appear above the live bar instead of tearing it.</summary>
    public static T Run<T>(CliOutput io, Func<ITrainerCallback, Action<string>, T> job)
    {
        if (Console.IsErrorRedirected || !ReferenceEquals(io.Err, Console.Error))
            return job(new PlainLogCallback(io.Err), line => io.Err.WriteLine(io.Render(line)));

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T result = default!;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var bar = ctx.AddTask("training", maxValue: 1);
                result = job(new SpectreCallback(bar, console), line => console.MarkupLine(Markup.Escape(io.Render(line))));
            });
        return result;
    }

    private sealed class SpectreCallback(ProgressTask bar, IAnsiConsole console) : ITrainerCallback
    {
        private string _lastEval = "";

        public void OnTrainBegin(int totalSteps) => bar.MaxValue = Math.Max(1, totalSteps);

        public void OnStep(int step, double loss, double learningRate, double iterationsPerSecond, TimeSpan eta)
        {
            bar.Value = step;
            bar.Description = Markup.Escape($"step {step} loss {loss:0.0000} lr {learningRate:0.00e+0} {iterationsPerSecond:0.00} it/s ETA {eta:hh\\:mm\\:ss}{_lastEval}");
        }

        public void OnEvaluate(int step, IReadOnlyDictionary<string, double> metrics)
        {
            var key = metrics.ContainsKey("eval_accuracy") ? "eval_accuracy" : "eval_loss";
            if (metrics.TryGetValue(key, out var value)) _lastEval = $" {key} {value:0.0000}";
            console.MarkupLine(Markup.Escape($"step {step}: " + string.Join(", ", metrics.OrderBy(m => m.Key).Select(m => $"{m.Key}={m.Value:0.####}"))));
        }

        public void OnLog(string message) => console.MarkupLine(Markup.Escape(message));

        public void OnTrainEnd(TrainResult result) => bar.Value = bar.MaxValue;
    }
}
