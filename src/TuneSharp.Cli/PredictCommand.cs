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
        var command = new Command("predict", "Classify texts with a trained model.") { model, input, output, topK, batchSize, maxLength, bf16 };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(input)!;
            var texts = ReadLines(path);
            if (parse.GetValue(topK) is < 1) throw new TuneSharpException("--top-k must be at least 1.");
            using var pipeline = TextClassificationPipeline.FromPretrained(ModelSource.Resolve(io, parse.GetValue(model)!), parse.GetValue(maxLength),
                parse.GetValue(bf16) ? TorchSharp.torch.ScalarType.BFloat16 : null);
            var predictions = pipeline.Predict(texts, parse.GetValue(batchSize), parse.GetValue(topK));
            var outPath = parse.GetValue(output);
            using var writer = outPath is null ? null : new StreamWriter(outPath);
            var target = (TextWriter?)writer ?? io.Out;
            for (var i = 0; i < texts.Count; i++)
            {
                target.WriteLine(JsonSerializer.Serialize(ToJson(texts[i], predictions[i], pipeline.Model.ProblemType)));
            }
            return 0;
        });
        return command;
    }

    /// <summary>
    /// One output line: label and score (single-label); the labels at or above the threshold and all scores
    /// (multi-label); the predicted value (regression).
    /// </summary>
    private static object ToJson(string text, TextClassificationPrediction p, ProblemType problemType)
    {
        var scores = p.Scores.Select(s => new { label = s.Label, score = s.Score });
        return problemType switch
        {
            ProblemType.MultiLabelClassification => new { text, labels = p.PredictedLabels ?? [], scores },
            ProblemType.Regression => new { text, value = p.Score },
            _ => (object)new { text, label = p.Label, score = p.Score, scores },
        };
    }

    private static List<string> ReadLines(string path)
    {
        if (path != "-" && !File.Exists(path)) throw new TuneSharpException($"Input file '{path}' does not exist.");
        using var reader = path == "-" ? Console.In : new StreamReader(path, new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true));
        var lines = new List<string>();
        var lineNumber = 0;
        try
        {
            for (string? line; (line = reader.ReadLine()) is not null;)
            {
                lineNumber++;
                if (!string.IsNullOrWhiteSpace(line)) lines.Add(line);
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
