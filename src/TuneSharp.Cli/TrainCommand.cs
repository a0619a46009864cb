using System.CommandLine;
using TuneSharp.Data;
using TuneSharp.Planning;
using TuneSharp.Recipes;
using TuneSharp.Tasks.SequenceClassification;

namespace TuneSharp.Cli;

/// <summary><c>tunesharp train --task text-classification ...</c>: fine-tune a pretrained model on a labelled dataset.</summary>
public static class TrainCommand
{
    public static Command Create(CliOutput io)
    {
        var task = new Option<string>("--task") { Description = "Task to train", DefaultValueFactory = _ => "text-classification" };
        task.AcceptOnlyFromAmong("text-classification");
        var model = new Option<string>("--model") { Description = "Pretrained model folder or hub id", Required = true };
        var train = new Option<string>("--train") { Description = "Training data (.csv .tsv .jsonl .json .parquet)", Required = true };
        var validation = new Option<string?>("--validation") { Description = "Validation data; default: hold out --validation-split of train" };
        var test = new Option<string?>("--test") { Description = "Test data, evaluated once at the end (test_results.json)" };
        var textColumn = new Option<string>("--text-column") { Description = "Column with the text", DefaultValueFactory = _ => "text" };
        var pairColumn = new Option<string?>("--text-pair-column") { Description = "Column with the second text of a pair (e.g. hypothesis)" };
        var labelColumn = new Option<string>("--label-column") { Description = "Column with the label", DefaultValueFactory = _ => "label" };
        var split = new Option<double>("--validation-split") { Description = "Fraction of train held out for validation when no --validation file is given", DefaultValueFactory = _ => 0.1 };
        var onBadRow = new Option<string>("--on-bad-row") { Description = "error | skip", DefaultValueFactory = _ => "error" };
        onBadRow.AcceptOnlyFromAmong("error", "skip");
        var maxTrain = new Option<int?>("--max-train-samples") { Description = "Train on the first N training examples only (quick runs)" };
        var maxEval = new Option<int?>("--max-eval-samples") { Description = "Evaluate on the first N validation examples only" };
        var problemType = new Option<string>("--problem-type") { Description = "single_label_classification | multi_label_classification (labels like \"a,b\") | regression (numeric labels)", DefaultValueFactory = _ => "single_label_classification" };
        problemType.AcceptOnlyFromAmong("single_label_classification", "multi_label_classification", "regression");
        var labelSeparator = new Option<string>("--label-separator") { Description = "Separator of the labels of a multi-label cell", DefaultValueFactory = _ => "," };
        var training = new TrainingOptions();

        var command = new Command("train", "Fine-tune a pretrained model (Hugging Face TrainingArguments names as --kebab-case flags).")
        {
            task, model, train, validation, test, textColumn, pairColumn, labelColumn, split, onBadRow, maxTrain, maxEval,
        };
        command.Options.Add(problemType);
        command.Options.Add(labelSeparator);
        var peft = new PeftFlags();
        peft.AddTo(command);
        training.AddTo(command);
        command.SetAction(parse =>
        {
            var args = training.Build(parse);
            var options = new TextClassificationRunOptions
            {
                ModelDir = ModelSource.Resolve(io, parse.GetValue(model)!),
                TrainPath = parse.GetValue(train)!,
                ValidationPath = parse.GetValue(validation),
                TestPath = parse.GetValue(test),
                TextColumn = parse.GetValue(textColumn)!,
                TextPairColumn = parse.GetValue(pairColumn),
                LabelColumn = parse.GetValue(labelColumn)!,
                ValidationSplit = parse.GetValue(split),
                OnBadRow = parse.GetValue(onBadRow) == "skip" ? BadRowPolicy.Skip : BadRowPolicy.Error,
                MaxTrainSamples = parse.GetValue(maxTrain),
                MaxEvalSamples = parse.GetValue(maxEval),
                ProblemType = ProblemTypes.Parse(parse.GetValue(problemType)!, "--problem-type"),
                LabelSeparator = RequireSeparator(parse.GetValue(labelSeparator)),
                Peft = peft.Build(parse),
                Args = args,
            };
            return Run(io, options);
        });
        return command;
    }

    private static string RequireSeparator(string? separator) =>
        string.IsNullOrEmpty(separator) ? throw new TuneSharpException("--label-separator must not be empty.") : separator;

    private static int Run(CliOutput io, TextClassificationRunOptions options)
    {
        if (NativeAllocator.Hint is { } hint) io.Err.WriteLine($"note: {hint}");
        using var cancellation = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (cancellation.IsCancellationRequested) return; // a second Ctrl-C terminates at once
            e.Cancel = true;
            io.Err.WriteLine("Stopping after the current step and saving a checkpoint (Ctrl-C again to abort)...");
            cancellation.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var result = ProgressRendering.Run(io, (callback, report) =>
                TextClassificationFineTuning.Run(options, callback, report, cancellation.Token));
            io.Out.WriteLine($"output: {Path.GetFullPath(result.OutputDir)}");
            foreach (var (name, metrics) in new[] { ("validation", result.Validation), ("test", result.Test) })
            {
                if (metrics is null) continue;
                io.Out.WriteLine($"{name}: " + string.Join(", ", metrics.OrderBy(m => m.Key).Select(m => $"{m.Key} = {m.Value:0.####}")));
            }
            if (result.Validation.TryGetValue("eval_accuracy", out var accuracy))
                io.Out.WriteLine($"validation accuracy: {accuracy:0.0000}");
            return result.Train.Cancelled ? 130 : 0;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
