using System.CommandLine;
using System.Text.Json;
using TuneSharp.Data;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Models;
using TuneSharp.Tasks;
using TuneSharp.Tasks.QuestionAnswering;
using TuneSharp.Tasks.TextClassification;
using TuneSharp.Tasks.TokenClassification;

namespace TuneSharp.Cli;

/// <summary>
/// <c>tunesharp predict --model &lt;trained-dir&gt; --input &lt;file or -&gt;</c>: one JSON line per input text (or, for a
/// question-answering model, per question of a JSON Lines / SQuAD file, or for <c>--question</c> with <c>--context</c>).
/// </summary>
public static class PredictCommand
{
    public static Command Create(CliOutput io)
    {
        var flags = new InferenceFlags();
        var input = new Option<string?>("--input") { Description = "Text file with one input per line, or - for standard input (a question-answering model reads a file of questions with their contexts)" };
        var question = new Option<string?>("--question") { Description = "Question answering: the question (with --context, instead of --input)" };
        var context = new Option<string?>("--context") { Description = "Question answering: the text the answer is taken from" };
        var output = new Option<string?>("--output") { Description = "Write JSON lines here instead of standard output" };
        var topK = new Option<int?>("--top-k") { Description = "Include only the k best labels in \"scores\"" };
        var pairSeparator = new Option<string?>("--pair-separator")
        {
            Description = "Each line is a text pair split at the first occurrence of this string (\\t for a tab), for models trained with --text-pair-column",
        };
        var aggregation = new Option<string>("--aggregation-strategy")
        {
            Description = "Token classification: none | simple | first | average | max (transformers' pipeline strategies)", DefaultValueFactory = _ => "simple",
        };
        aggregation.AcceptOnlyFromAmong(Enum.GetNames<AggregationStrategy>().Select(n => n.ToLowerInvariant()).ToArray());
        var command = new Command("predict", "Classify texts, find their entities, or answer questions about a context with a trained model.") { input, output, topK, pairSeparator, aggregation, question, context };
        flags.AddTo(command);
        command.SetAction(parse =>
        {
            flags.Validate(parse);
            if (parse.GetValue(topK) is < 1 and var k) throw new TuneSharpException($"--top-k must be at least 1, got {k}.") { Setting = "top_k" };
            var outPath = parse.GetValue(output);
            if (outPath is not null) OutputFile.Check(outPath, "--output");
            var path = parse.GetValue(input);
            var (questionText, contextText) = (parse.GetValue(question), parse.GetValue(context));
            if (path is not null && (questionText ?? contextText) is not null)
                throw new TuneSharpException("Give either --input or --question with --context, not both.") { Setting = "input" };
            if (path is null && (questionText ?? contextText) is null)
                throw new TuneSharpException("predict needs --input (a file, or - for standard input), or --question and --context for a question-answering model.") { Setting = "input" };
            var modelDir = ModelSource.Resolve(io, parse.GetValue(flags.Model)!);
            var modelTask = flags.TaskOf(parse, modelDir);
            if (modelTask == ModelTask.QuestionAnswering)
            {
                foreach (var other in new Option[] { pairSeparator, aggregation })
                    if (parse.GetResult(other) is { Implicit: false })
                        throw new TuneSharpException($"{other.Name} is not for question-answering models; {modelDir} is one.") { Setting = "model" };
                return PredictAnswers(io, modelDir, flags, parse, path, questionText, contextText, parse.GetValue(topK), outPath);
            }
            foreach (var qaOnly in new Option[] { question, context })
                if (parse.GetResult(qaOnly) is { Implicit: false })
                    throw new TuneSharpException($"{qaOnly.Name} is for question-answering models; {modelDir} is a {(modelTask == ModelTask.TokenClassification ? "token" : "text")} classifier.") { Setting = "model" };
            var lines = path == "-" ? TextLinesFile.Read(Console.OpenStandardInput(), "standard input") : TextLinesFile.Read(path!);
            if (modelTask == ModelTask.TokenClassification)
            {
                foreach (var textOnly in new Option[] { topK, pairSeparator })
                    if (parse.GetResult(textOnly) is { Implicit: false })
                        throw new TuneSharpException($"{textOnly.Name} is for text classifiers; {modelDir} is a token classifier.") { Setting = "model" };
                return PredictEntities(io, modelDir, flags, parse, lines.Select(l => l.Text).ToList(),
                    Enum.Parse<AggregationStrategy>(parse.GetValue(aggregation)!, ignoreCase: true), outPath);
            }
            if (parse.GetResult(aggregation) is { Implicit: false })
                throw new TuneSharpException($"--aggregation-strategy is for token classifiers; {modelDir} is a text classifier.") { Setting = "model" };
            var (texts, pairs) = SplitPairs(path!, lines, parse.GetValue(pairSeparator));
            using var pipeline = TextClassificationPipeline.FromPretrained(modelDir, parse.GetValue(flags.MaxLength),
                flags.DType(parse), parse.GetValue(flags.AllowUntrainedHead));
            // The folder was trained on windows (run_settings.json): a long text's score depends on them.
            if (pipeline.LongText.UsesWindows) io.Err.WriteLine($"long texts: {pipeline.LongText.Describe(pipeline.MaxLength)}, as the model was trained");
            var predictions = pipeline.Predict(texts, pairs, parse.GetValue(flags.BatchSize), parse.GetValue(topK));
            using var writer = outPath is null ? null : OutputFile.Open(outPath);
            var target = (TextWriter?)writer ?? io.Out;
            try
            {
                for (var i = 0; i < texts.Count; i++)
                    target.WriteLine(JsonSerializer.Serialize(ToJson(texts[i], pairs?[i], predictions[i], pipeline.Model.ProblemType)));
                target.Flush();
            }
            catch (IOException e)
            {
                throw new TuneSharpException($"Cannot write the predictions to {outPath ?? "standard output"}: {e.Message}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>
    /// One JSON line per question: its id and question, and the answer with its score and character span in the context,
    /// named as transformers' question-answering pipeline names them (answer, score, start, end); with --top-k, the k best
    /// in "top_k". start and end are .NET string indices into the context (UTF-16 code units).
    /// </summary>
    private static int PredictAnswers(CliOutput io, string modelDir, InferenceFlags flags, ParseResult parse, string? path,
        string? question, string? context, int? topK, string? outPath)
    {
        IReadOnlyList<QuestionAnsweringExample> examples;
        if (path is null)
        {
            if (string.IsNullOrWhiteSpace(question) || string.IsNullOrWhiteSpace(context))
                throw new TuneSharpException($"--question and --context go together, and neither may be empty; {(string.IsNullOrWhiteSpace(question) ? "--question" : "--context")} is {(question is null || context is null ? "missing" : "empty")}.") { Setting = question is null ? "question" : "context" };
            examples = [new QuestionAnsweringExample("0", question, context, [], 1)];
        }
        else
        {
            if (path == "-") throw new TuneSharpException("Question answering reads its questions from a file (JSON Lines or SQuAD JSON), not standard input; give --input <file>, or --question and --context.") { Setting = "input" };
            examples = QuestionAnsweringData.Load(new QuestionAnsweringDataOptions { Path = path }).Examples;
        }
        using var pipeline = QuestionAnsweringPipeline.FromPretrained(modelDir, QuestionAnsweringTaskOptions.ForFolder(modelDir, parse.GetValue(flags.MaxLength)), flags.DType(parse), parse.GetValue(flags.AllowUntrainedHead));
        var predictions = pipeline.Answer(examples, parse.GetValue(flags.BatchSize));
        using var writer = outPath is null ? null : OutputFile.Open(outPath);
        var target = (TextWriter?)writer ?? io.Out;
        try
        {
            for (var i = 0; i < examples.Count; i++)
            {
                var p = predictions[i];
                var line = new Dictionary<string, object>
                {
                    ["id"] = examples[i].Id, ["question"] = examples[i].Question,
                    ["answer"] = p.Answer, ["score"] = p.Probability, ["start"] = p.Start, ["end"] = p.End,
                };
                if (topK is { } k)
                    line["top_k"] = p.NBest.Take(k).Select(c => new Dictionary<string, object> { ["answer"] = c.Text, ["score"] = c.Probability, ["start"] = c.Start, ["end"] = c.End });
                target.WriteLine(JsonSerializer.Serialize(line));
            }
            target.Flush();
        }
        catch (IOException e)
        {
            throw new TuneSharpException($"Cannot write the predictions to {outPath ?? "standard output"}: {e.Message}");
        }
        return 0;
    }

    /// <summary>One JSON line per text with its entities, named as transformers' token-classification pipeline names them.</summary>
    private static int PredictEntities(CliOutput io, string modelDir, InferenceFlags flags, ParseResult parse, List<string> texts,
        AggregationStrategy strategy, string? outPath)
    {
        using var pipeline = TokenClassificationPipeline.FromPretrained(modelDir, parse.GetValue(flags.MaxLength), dtype: flags.DType(parse),
            allowUntrainedHead: parse.GetValue(flags.AllowUntrainedHead));
        var predictions = pipeline.Predict(texts, strategy, batchSize: parse.GetValue(flags.BatchSize));
        using var writer = outPath is null ? null : OutputFile.Open(outPath);
        var target = (TextWriter?)writer ?? io.Out;
        var entityKey = strategy == AggregationStrategy.None ? "entity" : "entity_group";
        try
        {
            for (var i = 0; i < texts.Count; i++)
            {
                var entities = predictions[i].Select(e =>
                {
                    var item = new Dictionary<string, object> { [entityKey] = e.Entity, ["score"] = e.Score, ["word"] = e.Word, ["start"] = e.Start, ["end"] = e.End };
                    if (e.Index is { } index) item["index"] = index;
                    return item;
                });
                target.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["text"] = texts[i], ["entities"] = entities }));
            }
            target.Flush();
        }
        catch (IOException e)
        {
            throw new TuneSharpException($"Cannot write the predictions to {outPath ?? "standard output"}: {e.Message}");
        }
        return 0;
    }

    /// <summary>
    /// One output line: label and score (single-label); the labels at or above the threshold and all scores
    /// (multi-label); the predicted value (regression).
    /// </summary>
    private static object ToJson(string text, string? pair, TextClassificationPrediction p, ProblemType problemType)
    {
        var scores = p.Scores.Select(s => new { label = s.Label, score = s.Score });
        var line = new Dictionary<string, object> { ["text"] = text };
        if (pair is not null) line["text_pair"] = pair;
        switch (problemType)
        {
            case ProblemType.MultiLabelClassification:
                line["labels"] = p.PredictedLabels ?? [];
                line["scores"] = scores;
                break;
            case ProblemType.Regression:
                line["value"] = p.Score;
                break;
            default:
                line["label"] = p.Label;
                line["score"] = p.Score;
                line["scores"] = scores;
                break;
        }
        return line;
    }

    /// <summary>The texts and, with a separator, the pairs: each line split at the separator's first occurrence.</summary>
    private static (List<string> Texts, List<string?>? Pairs) SplitPairs(string path, List<NumberedLine> lines, string? separator)
    {
        if (separator is null) return (lines.Select(l => l.Text).ToList(), null);
        if (separator.Length == 0) throw new TuneSharpException("--pair-separator must not be empty.") { Setting = "pair_separator" };
        if (separator == "\\t") separator = "\t"; // typed as backslash and t (no shell quoting needed): a tab
        var texts = new List<string>();
        var pairs = new List<string?>();
        foreach (var (number, line) in lines)
        {
            var at = line.IndexOf(separator, StringComparison.Ordinal);
            if (at < 0) throw new TuneSharpException($"{(path == "-" ? "standard input" : path)}: line {number} has no pair separator '{separator}' (expected: text{separator}pair): {TextExcerpt.Of(line)}");
            texts.Add(line[..at]);
            pairs.Add(line[(at + separator.Length)..]);
        }
        return (texts, pairs);
    }
}
