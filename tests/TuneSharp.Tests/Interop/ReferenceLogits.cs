using System.Text.Json;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tasks.TextClassification;
using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Interop;

/// <summary>
/// The comparison every interop test makes: the token ids and logits a Python script printed for each text (its "rows":
/// text, input_ids, logits, each text run alone) against TuneSharp's own for the same texts.
/// </summary>
internal static class ReferenceLogits
{
    /// <summary>Logits may differ by this much (absolute): float32 on two implementations of the same arithmetic.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>Writes <paramref name="texts"/> as the JSON list the scripts read (--texts); returns the file's path.</summary>
    public static string WriteTexts(TempDir dir, IReadOnlyList<string> texts)
    {
        var path = dir.File("texts.json");
        File.WriteAllText(path, JsonSerializer.Serialize(texts));
        return path;
    }

    /// <summary>
    /// Asserts that <paramref name="tokenizer"/> gives the reference's input_ids for every text and that
    /// <paramref name="classifier"/>, run on them alone, gives its logits within <see cref="Tolerance"/>. Returns the
    /// largest absolute logit difference.
    /// </summary>
    public static double AssertSameLogits(JsonElement reference, ISequenceClassifier classifier, TextTokenizer tokenizer, IReadOnlyList<string> texts)
    {
        var rows = reference.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(texts, rows.Select(r => r.GetProperty("text").GetString()!));
        classifier.Module.eval();
        var largest = 0.0;
        foreach (var row in rows)
        {
            var text = row.GetProperty("text").GetString()!;
            var encoding = tokenizer.Encode(text);
            var expectedIds = row.GetProperty("input_ids").EnumerateArray().Select(i => i.GetInt32()).ToArray();
            Assert.True(expectedIds.SequenceEqual(encoding.InputIds),
                $"\"{text}\": transformers' tokenizer gives [{string.Join(", ", expectedIds)}], TuneSharp's [{string.Join(", ", encoding.InputIds)}].");

            var expected = row.GetProperty("logits").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var actual = Logits(classifier, encoding);
            Assert.Equal(expected.Length, actual.Length);
            var difference = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            Assert.True(difference <= Tolerance,
                $"\"{text}\": transformers' logits [{string.Join(", ", expected)}], TuneSharp's [{string.Join(", ", actual)}] (max |diff| {difference:E2}).");
            largest = Math.Max(largest, difference);
        }
        return largest;
    }

    /// <summary>
    /// Asserts that the pipeline's scores for all texts at once (length-sorted, padded batches, as <c>tunesharp predict</c>
    /// runs them) are the softmax of the reference logits within <see cref="Tolerance"/>. Returns the largest difference.
    /// </summary>
    public static double AssertSameProbabilities(JsonElement reference, TextClassificationPipeline pipeline, IReadOnlyList<string> texts)
    {
        var scores = pipeline.Scores(texts, batchSize: texts.Count);
        var rows = reference.GetProperty("rows").EnumerateArray().ToList();
        var largest = 0.0;
        for (var i = 0; i < texts.Count; i++)
        {
            var logits = rows[i].GetProperty("logits").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var max = logits.Max();
            var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
            var expected = exp.Select(e => e / exp.Sum()).ToArray();
            var difference = expected.Zip(scores[i], (e, a) => Math.Abs(e - a)).Max();
            Assert.True(difference <= Tolerance,
                $"\"{texts[i]}\" in a padded batch: softmax of transformers' logits [{string.Join(", ", expected)}], TuneSharp's scores [{string.Join(", ", scores[i])}].");
            largest = Math.Max(largest, difference);
        }
        return largest;
    }

    private static double[] Logits(ISequenceClassifier classifier, Encoding encoding)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(encoding.InputIds.Select(i => (long)i).ToArray(), [1, encoding.Length]);
        var types = tensor(encoding.TokenTypeIds.Select(i => (long)i).ToArray(), [1, encoding.Length]);
        var logits = classifier.Forward(ids, ones_like(ids), types);
        return logits[0].to_type(ScalarType.Float64).data<double>().ToArray();
    }
}
