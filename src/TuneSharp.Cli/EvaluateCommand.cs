using System.CommandLine;
using System.Text.Json;
using TuneSharp.Data;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tasks.TextClassification;

namespace TuneSharp.Cli;

/// <summary><c>tunesharp evaluate --model &lt;trained-dir&gt; --data &lt;file&gt;</c>: metrics and confusion matrix of a trained classifier.</summary>
public static class EvaluateCommand
{
    public static Command Create(CliOutput io)
    {
        var flags = new InferenceFlags();
        var data = new Option<string>("--data") { Description = "Labelled data file (.csv .tsv .jsonl .json .parquet)", Required = true };
        var format = DataFormatOption.Create();
        var textColumn = new Option<string>("--text-column") { DefaultValueFactory = _ => "text", Description = "Column with the text" };
        var pairColumn = new Option<string?>("--text-pair-column") { Description = "Column with the second text of a pair, as in training" };
        var labelColumn = new Option<string>("--label-column") { DefaultValueFactory = _ => "label", Description = "Column with the label" };
        var output = new Option<string?>("--output") { Description = "Also write the metrics and confusion matrix as JSON to this file" };
        var labelSeparator = new Option<string>("--label-separator") { DefaultValueFactory = _ => ",", Description = "Separator of the labels of a multi-label cell" };
        var onBadRow = BadRowOption.Create();
        var command = new Command("evaluate", "Evaluate a trained text classifier (single-label, multi-label or regression) on labelled data.")
        {
            data, format, textColumn, pairColumn, labelColumn, output, labelSeparator, onBadRow,
        };
        flags.AddTo(command);
        command.SetAction(parse =>
        {
            flags.Validate(parse);
            var separator = parse.GetValue(labelSeparator);
            if (string.IsNullOrEmpty(separator)) throw new TuneSharpException("--label-separator must not be empty.") { Setting = "label_separator" };
            var path = parse.GetValue(output);
            if (path is not null) OutputFile.Check(path, "--output");
            var dataPath = parse.GetValue(data)!;
            TabularReader.CheckPath(dataPath, DataFormatOption.Parse(parse.GetValue(format))); // before the model: a bad path fails at once
            var dir = ModelSource.Resolve(io, parse.GetValue(flags.Model)!);
            using var pipeline = TextClassificationPipeline.FromPretrained(dir, parse.GetValue(flags.MaxLength), flags.DType(parse), parse.GetValue(flags.AllowUntrainedHead));
            var labels = new LabelMap(pipeline.Labels);
            var dataset = TextClassificationData.Load(new TextClassificationDataOptions
            {
                Path = dataPath, Format = DataFormatOption.Parse(parse.GetValue(format)),
                TextColumn = parse.GetValue(textColumn)!, TextPairColumn = parse.GetValue(pairColumn),
                LabelColumn = parse.GetValue(labelColumn)!, LabelMap = labels,
                LabelFormat = LabelEncoding.DataFormat(pipeline.Model.ProblemType), LabelSeparator = separator,
                OnBadRow = BadRowOption.Parse(parse.GetValue(onBadRow)),
            });
            if (dataset.Skipped.Count > 0) io.Warn($"{dataPath}: {dataset.Skipped}");
            var evaluation = TextClassificationEvaluator.Evaluate(pipeline.Model, pipeline.Tokenizer, dataset, parse.GetValue(flags.BatchSize), pipeline.MaxLength);
            var metrics = evaluation.ToDictionary("eval_");
            foreach (var (k, v) in metrics.OrderBy(m => m.Key)) io.Out.WriteLine($"{k} = {v:0.####}");
            if (evaluation.Report is { } report) // single-label: per-class table and confusion matrix
            {
                io.Out.WriteLine();
                io.Out.WriteLine(report.FormatReport());
                io.Out.WriteLine(report.FormatConfusionMatrix());
            }
            if (path is not null)
            {
                var json = new Dictionary<string, object>
                {
                    ["metrics"] = metrics,
                    ["labels"] = pipeline.Labels,
                    ["problem_type"] = evaluation.ProblemType.ToHfString(),
                };
                if (evaluation.Report is { } r) json["confusion_matrix"] = ToJagged(r.ConfusionMatrix);
                OutputFile.Write(path, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
                io.Err.WriteLine($"metrics written to {path}");
            }
            return 0;
        });
        return command;
    }

    private static int[][] ToJagged(int[,] m) =>
        Enumerable.Range(0, m.GetLength(0)).Select(r => Enumerable.Range(0, m.GetLength(1)).Select(c => m[r, c]).ToArray()).ToArray();
}
