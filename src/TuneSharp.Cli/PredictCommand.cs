using System.CommandLine;
using System.Text.Json;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tasks.TextClassification;

namespace TuneSharp.Cli;

/// <summary><c>tunesharp predict --model &lt;trained-dir&gt; --input &lt;file or -&gt;</c>: one JSON line per input text.</summary>
public static class PredictCommand
{
    public static Command Create(CliOutput io)
    {
        var model = new Option<string>("--model") { Description = "Trained model folder", Required = true };
        var input = new Option<string>("--input") { Description = "Text file with one input per line, or - for standard input", Required = true };
        var output = new Option<string?>("--output") { Description = "Write JSON lines here instead of standard output" };
        var topK = new Option<int?>("--top-k") { Description = "Include only the k best labels in \"scores\"" };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 64, Description = "Texts per forward pass" };
        var maxLength = new Option<int?>("--max-length") { Description = "Truncation length (default: the model's, at most 512)" };
        var bf16 = new Option<bool>("--bf16") { Description = "Run the model in bfloat16 (weights converted on load; logits and scores stay float32)" };
        var pairSeparator = new Option<string?>("--pair-separator")
        {
            Description = "Each line is a text pair split at the first occurrence of this string (\\t for a tab), for models trained with --text-pair-column",
        };
        var command = new Command("predict", "Classify texts with a trained model.") { model, input, output, topK, batchSize, maxLength, bf16, pairSeparator };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(input)!;
            var lines = ReadLines(path);
            var (texts, pairs) = SplitPairs(path, lines, parse.GetValue(pairSeparator));
            if (parse.GetValue(topK) is < 1) throw new TuneSharpException("--top-k must be at least 1.");
            using var pipeline = TextClassificationPipeline.FromPretrained(ModelSource.Resolve(io, parse.GetValue(model)!), parse.GetValue(maxLength),
                parse.GetValue(bf16) ? TorchSharp.torch.ScalarType.BFloat16 : null);
            var predictions = pipeline.Predict(texts, pairs, parse.GetValue(batchSize), parse.GetValue(topK));
            var outPath = parse.GetValue(output);
            using var writer = outPath is null ? null : new StreamWriter(outPath);
            var target = (TextWriter?)writer ?? io.Out;
            for (var i = 0; i < texts.Count; i++)
            {
                target.WriteLine(JsonSerializer.Serialize(ToJson(texts[i], pairs?[i], predictions[i], pipeline.Model.ProblemType)));
            }
            return 0;
        });
        return command;
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
    private static (List<string> Texts, List<string?>? Pairs) SplitPairs(string path, List<(int Number, string Text)> lines, string? separator)
    {
        if (separator is null) return (lines.Select(l => l.Text).ToList(), null);
        if (separator.Length == 0) throw new TuneSharpException("--pair-separator must not be empty.");
        if (separator == "\\t") separator = "\t"; // typed as backslash and t (no shell quoting needed): a tab
        var texts = new List<string>();
        var pairs = new List<string?>();
        foreach (var (number, line) in lines)
        {
            var at = line.IndexOf(separator, StringComparison.Ordinal);
            if (at < 0) throw new TuneSharpException($"{path}: line {number} has no pair separator '{separator}' (expected: text{separator}pair).");
            texts.Add(line[..at]);
            pairs.Add(line[(at + separator.Length)..]);
        }
        return (texts, pairs);
    }

    private static List<(int Number, string Text)> ReadLines(string path)
    {
        if (path != "-" && !File.Exists(path)) throw new TuneSharpException($"Input file '{path}' does not exist.");
        using var reader = path == "-" ? Console.In : new StreamReader(path, new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true));
        var lines = new List<(int Number, string Text)>();
        var lineNumber = 0;
        try
        {
            for (string? line; (line = reader.ReadLine()) is not null;)
            {
                lineNumber++;
                if (!string.IsNullOrWhiteSpace(line)) lines.Add((lineNumber, line));
            }
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new TuneSharpException($"{path}: line {lineNumber + 1} is not valid UTF-8.");
        }
        if (lines.Count == 0) throw new TuneSharpException($"{path}: no input texts (expected one text per line).");
        return lines;
    }
}
