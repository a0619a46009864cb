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
        var model = new Option<string>("--model") { Description = "Trained model folder", Required = true };
        var data = new Option<string>("--data") { Description = "Labelled data file", Required = true };
        var textColumn = new Option<string>("--text-column") { DefaultValueFactory = _ => "text", Description = "Column with the text" };
        var pairColumn = new Option<string?>("--text-pair-column") { Description = "Column with the second text of a pair, as in training" };
        var labelColumn = new Option<string>("--label-column") { DefaultValueFactory = _ => "label", Description = "Column with the label" };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 64, Description = "Examples per forward pass" };
        var maxLength = new Option<int?>("--max-length") { Description = "Truncation length (default: the model's, at most 512)" };
        var output = new Option<string?>("--output") { Description = "Also write the metrics and confusion matrix as JSON to this file" };
        var labelSeparator = new Option<string>("--label-separator") { DefaultValueFactory = _ => ",", Description = "Separator of the labels of a multi-label cell" };
        var bf16 = new Option<bool>("--bf16") { Description = "Run the model in bfloat16 (weights converted on load; logits and scores stay float32)" };
        var command = new Command("evaluate", "Evaluate a trained text classifier (single-label, multi-label or regression) on labelled data.")
        {
            model, data, textColumn, pairColumn, labelColumn, batchSize, maxLength, output, labelSeparator, bf16,
        };
        command.SetAction(parse =>
        {
            var dir = ModelSource.Resolve(io, parse.GetValue(model)!);
            using var pipeline = TextClassificationPipeline.FromPretrained(dir, parse.GetValue(maxLength), parse.GetValue(bf16) ? TorchSharp.torch.ScalarType.BFloat16 : null);
            var labels = new LabelMap(pipeline.Labels);
            var separator = parse.GetValue(labelSeparator);
            if (string.IsNullOrEmpty(separator)) throw new TuneSharpException("--label-separator must not be empty.");
            var dataset = TextClassificationData.Load(new TextClassificationDataOptions
            {
                Path = parse.GetValue(data)!, TextColumn = parse.GetValue(textColumn)!, TextPairColumn = parse.GetValue(pairColumn),
                LabelColumn = parse.GetValue(labelColumn)!, LabelMap = labels,
                LabelFormat = LabelEncoding.DataFormat(pipeline.Model.ProblemType), LabelSeparator = separator,
            });
            var evaluation = TextClassificationEvaluator.Evaluate(pipeline.Model, pipeline.Tokenizer, dataset, parse.GetValue(batchSize), pipeline.MaxLength);
            var metrics = evaluation.ToDictionary("eval_");
            foreach (var (k, v) in metrics.OrderBy(m => m.Key)) io.Out.WriteLine($"{k} = {v:0.####}");
            if (evaluation.Report is { } report) // single-label: per-class table and confusion matrix
            {
                io.Out.WriteLine();
                io.Out.WriteLine(report.FormatReport());
                io.Out.WriteLine(report.FormatConfusionMatrix());
            }
            var path = parse.GetValue(output);
            if (path is not null)
            {
                var json = new Dictionary<string, object>
                {
                    ["metrics"] = metrics,
                    ["labels"] = pipeline.Labels,
                    ["problem_type"] = evaluation.ProblemType.ToHfString(),
                };
                if (evaluation.Report is { } r) json["confusion_matrix"] = ToJagged(r.ConfusionMatrix);
                File.WriteAllText(path, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
                io.Err.WriteLine($"metrics written to {path}");
            }
            return 0;
        });
        return command;
    }

    private static int[][] ToJagged(int[,] m) =>
        Enumerable.Range(0, m.GetLength(0)).Select(r => Enumerable.Range(0, m.GetLength(1)).Select(c => m[r, c]).ToArray()).ToArray();
}
