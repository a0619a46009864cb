using System.CommandLine;
using System.Text.Json;
using TuneSharp.Data;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Models;
using TuneSharp.Tasks;
using TuneSharp.Tasks.TextClassification;
using TuneSharp.Tasks.TokenClassification;

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
        var tokensColumn = new Option<string>("--tokens-column") { DefaultValueFactory = _ => "tokens", Description = "Token classification: list column with the words (JSONL, JSON, Parquet)" };
        var tagsColumn = new Option<string>("--tags-column") { DefaultValueFactory = _ => "ner_tags", Description = "Token classification: list column with the tags" };
        var conllLabelColumn = new Option<int>("--conll-label-column") { DefaultValueFactory = _ => -1, Description = "Token classification: CoNLL column with the tag (default the last)" };
        var strict = new Option<bool>("--strict-metrics") { Description = "Token classification: seqeval's strict mode (IOB2/IOBES) instead of its default" };
        var command = new Command("evaluate", "Evaluate a trained text classifier (single-label, multi-label or regression), token classifier (seqeval entity scores) or question-answering model (SQuAD exact match and F1) on labelled data.")
        {
            data, format, textColumn, pairColumn, labelColumn, output, labelSeparator, onBadRow, tokensColumn, tagsColumn, conllLabelColumn, strict,
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
            var dir = ModelSource.Resolve(io, parse.GetValue(flags.Model)!);
            var detected = flags.TaskOf(parse, dir);
            if (detected == ModelTask.QuestionAnswering)
            {
                foreach (var option in new Option[] { textColumn, pairColumn, labelColumn, labelSeparator, tokensColumn, tagsColumn, conllLabelColumn, strict })
                    if (parse.GetResult(option) is { Implicit: false })
                        throw new TuneSharpException($"{option.Name} is for classifiers; {dir} is a question-answering model.") { Setting = "model" };
                return EvaluateAnswers(io, dir, flags, parse, new QuestionAnsweringDataOptions
                {
                    Path = dataPath, Format = DataFormatOption.Parse(parse.GetValue(format)), OnBadRow = BadRowOption.Parse(parse.GetValue(onBadRow)),
                }, path);
            }
            var tokenModel = detected == ModelTask.TokenClassification;
            // A flag of the other kind of model would be silently ignored: refuse it.
            Option[] textOnly = [textColumn, pairColumn, labelColumn, labelSeparator], tokenOnly = [tokensColumn, tagsColumn, conllLabelColumn, strict];
            foreach (var option in tokenModel ? textOnly : tokenOnly)
                if (parse.GetResult(option) is { Implicit: false })
                    throw new TuneSharpException($"{option.Name} is for {(tokenModel ? "text" : "token")} classifiers; {dir} is a {(tokenModel ? "token" : "text")} classifier.") { Setting = "model" };
            if (tokenModel)
            {
                var tokenData = new TuneSharp.Data.TokenClassificationDataOptions
                {
                    Path = dataPath, Format = DataFormatOption.Parse(parse.GetValue(format)), TokensColumn = parse.GetValue(tokensColumn)!,
                    TagsColumn = parse.GetValue(tagsColumn)!, ConllLabelColumn = parse.GetValue(conllLabelColumn), OnBadRow = BadRowOption.Parse(parse.GetValue(onBadRow)),
                };
                return EvaluateEntities(io, dir, flags, parse, tokenData, parse.GetValue(strict), path);
            }
            TabularReader.CheckPath(dataPath, DataFormatOption.Parse(parse.GetValue(format))); // before the model: a bad path fails at once
            using var pipeline = TextClassificationPipeline.FromPretrained(dir, parse.GetValue(flags.MaxLength), flags.DType(parse), parse.GetValue(flags.AllowUntrainedHead));
            // The folder was trained on windows (run_settings.json): a long text's score depends on them.
            if (pipeline.LongText.UsesWindows) io.Err.WriteLine($"long texts: {pipeline.LongText.Describe(pipeline.MaxLength)}, as the model was trained");
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
            var evaluation = TextClassificationEvaluator.Evaluate(pipeline, dataset, parse.GetValue(flags.BatchSize));
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

    /// <summary>SQuAD scores (v1.1, or v2.0 when the data has unanswerable questions) of a QA model on questions with gold answers.</summary>
    private static int EvaluateAnswers(CliOutput io, string dir, InferenceFlags flags, ParseResult parse, QuestionAnsweringDataOptions dataOptions, string? outputPath)
    {
        QuestionAnsweringData.CheckPath(dataOptions.Path, dataOptions.Format); // before the model: a bad path fails at once
        var dataset = QuestionAnsweringData.Load(dataOptions);
        if (dataset.Skipped.Count > 0) io.Warn($"{dataOptions.Path}: {dataset.Skipped}");
        // The folder's own settings (as trained), with --max-length and the data's kind (v1.1 or v2.0) on top.
        var trained = TuneSharp.Tasks.QuestionAnswering.QuestionAnsweringTaskOptions.ForFolder(dir, parse.GetValue(flags.MaxLength)) ?? new();
        var options = trained with { PostProcessing = trained.PostProcessing with { Version2WithNegative = trained.PostProcessing.Version2WithNegative || dataset.HasUnanswerable } };
        using var pipeline = TuneSharp.Tasks.QuestionAnswering.QuestionAnsweringPipeline.FromPretrained(dir, options,
            flags.DType(parse), parse.GetValue(flags.AllowUntrainedHead));
        var metrics = pipeline.Evaluate(dataset, parse.GetValue(flags.BatchSize))
            .ToDictionary(p => "eval_" + p.Key, p => p.Value);
        foreach (var (k, v) in metrics.OrderBy(m => m.Key)) io.Out.WriteLine($"{k} = {v:0.####}");
        if (outputPath is not null)
        {
            OutputFile.Write(outputPath, JsonSerializer.Serialize(new Dictionary<string, object> { ["metrics"] = metrics }, new JsonSerializerOptions { WriteIndented = true }));
            io.Err.WriteLine($"metrics written to {outputPath}");
        }
        return 0;
    }

    /// <summary>seqeval's overall and per-type scores of a token classifier on tagged sentences.</summary>
    private static int EvaluateEntities(CliOutput io, string dir, InferenceFlags flags, ParseResult parse, TuneSharp.Data.TokenClassificationDataOptions dataOptions,
        bool strict, string? outputPath)
    {
        TuneSharp.Data.TokenClassificationData.CheckPath(dataOptions.Path, dataOptions.Format); // before the model: a bad path fails at once
        using var pipeline = TokenClassificationPipeline.FromPretrained(dir, parse.GetValue(flags.MaxLength), dtype: flags.DType(parse),
            allowUntrainedHead: parse.GetValue(flags.AllowUntrainedHead));
        var labels = new LabelMap(pipeline.Labels);
        var dataset = TuneSharp.Data.TokenClassificationData.Load(dataOptions with { LabelMap = labels });
        if (dataset.Skipped.Count > 0) io.Warn($"{dataOptions.Path}: {dataset.Skipped}");
        var options = new TokenClassificationTaskOptions
        {
            MaxLength = pipeline.MaxLength, Stride = pipeline.Stride,
            Mode = strict ? Evaluation.SequenceLabeling.SeqevalMode.Strict : Evaluation.SequenceLabeling.SeqevalMode.Default,
            Scheme = dataset.TagScheme == TuneSharp.Data.TagScheme.Bioes ? Evaluation.SequenceLabeling.TagScheme.Iobes : Evaluation.SequenceLabeling.TagScheme.Iob2,
        };
        var report = TokenClassificationEvaluator.Evaluate(pipeline.Model, pipeline.Tokenizer, dataset, parse.GetValue(flags.BatchSize), options);
        var metrics = report.ToDictionary("eval_");
        foreach (var (k, v) in metrics.OrderBy(m => m.Key)) io.Out.WriteLine($"{k} = {v:0.####}");
        io.Out.WriteLine();
        io.Out.WriteLine(report.ToText());
        if (outputPath is not null)
        {
            OutputFile.Write(outputPath, JsonSerializer.Serialize(new Dictionary<string, object> { ["metrics"] = metrics, ["labels"] = pipeline.Labels },
                new JsonSerializerOptions { WriteIndented = true }));
            io.Err.WriteLine($"metrics written to {outputPath}");
        }
        return 0;
    }

    private static int[][] ToJagged(int[,] m) =>
        Enumerable.Range(0, m.GetLength(0)).Select(r => Enumerable.Range(0, m.GetLength(1)).Select(c => m[r, c]).ToArray()).ToArray();
}
