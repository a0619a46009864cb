using System.CommandLine;
using TuneSharp.Planning;
using TuneSharp.Recipes;

namespace TuneSharp.Cli;

/// <summary>
/// <c>tunesharp train --task text-classification|token-classification|question-answering ...</c>: fine-tune a pretrained model on a labelled dataset. Prints the
/// resource plan first and refuses a run whose estimated peak memory exceeds the machine's (--no-resource-check overrides).
/// </summary>
public static class TrainCommand
{
    public static Command Create(CliOutput io)
    {
        var flags = new FineTuningFlags();
        var noResourceCheck = new Option<bool>("--no-resource-check") { Description = "Start even when the estimated peak memory exceeds this machine's" };
        var command = new Command("train", "Fine-tune a pretrained model (Hugging Face TrainingArguments names as --kebab-case flags).") { noResourceCheck };
        flags.AddTo(command);
        command.SetAction(parse => Run(io, flags.Build(io, parse, checkResources: !parse.GetValue(noResourceCheck))));
        return command;
    }

    private static int Run(CliOutput io, FineTuningTask task)
    {
        if (NativeAllocator.Hint is { } hint) io.Err.WriteLine($"note: {hint}");
        using var stop = new StopSignals(io);
        var result = ProgressRendering.Run(io, (callback, report) =>
            FineTuningRecipe.Run(task, callback, report, stop.Token));
        io.Out.WriteLine($"output: {Path.GetFullPath(result.OutputDir)}");
        foreach (var (name, metrics) in new[] { ("validation", result.Validation), ("test", result.Test) })
        {
            if (metrics is null) continue;
            io.Out.WriteLine($"{name}: " + string.Join(", ", metrics.OrderBy(m => m.Key).Select(m => $"{m.Key} = {m.Value:0.####}")));
        }
        // The headline metric of the task: entity F1 for token classification, SQuAD F1 (in percent) for question
        // answering, accuracy for text classification.
        if (result.Validation.TryGetValue("eval_f1", out var f1) && task is TokenClassificationRecipeTask)
            io.Out.WriteLine($"validation f1: {f1:0.0000}");
        else if (result.Validation.TryGetValue("eval_f1", out var squadF1) && task is QuestionAnsweringRecipeTask)
            io.Out.WriteLine($"validation f1: {squadF1:0.00}" + (result.Validation.TryGetValue("eval_exact_match", out var exact) ? $", exact match: {exact:0.00}" : ""));
        else if (result.Validation.TryGetValue("eval_accuracy", out var accuracy))
            io.Out.WriteLine($"validation accuracy: {accuracy:0.0000}");
        return result.Train.Cancelled ? stop.ExitCode : 0;
    }
}
