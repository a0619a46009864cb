using System.Text.Json;

namespace TuneSharp.Tests.Tasks.QuestionAnswering;

/// <summary>
/// A synthetic extractive QA dataset for the tiny BERT of <see cref="TextClassification.TinyTextClassification"/>: the
/// question "bad" asks for the phrase "good w19", which appears once in a context of filler words (w0..w18); without it
/// (SQuAD v2.0 style, when asked for) the question has no answer.
/// </summary>
internal static class TinyQa
{
    /// <summary><paramref name="count"/> rows of 3..<paramref name="maxWords"/> context words; a fraction <paramref name="unanswerable"/> has no answer.</summary>
    public static List<(string Id, string Question, string Context, string? Answer, int Start)> Examples(int count, int seed, int maxWords = 14, double unanswerable = 0)
    {
        var random = new Random(seed);
        var result = new List<(string, string, string, string?, int)>();
        for (int i = 0; i < count; i++)
        {
            var n = random.Next(3, maxWords + 1);
            var words = Enumerable.Range(0, n).Select(_ => $"w{random.Next(19)}").ToList();
            var answerable = random.NextDouble() >= unanswerable;
            if (answerable)
            {
                var at = random.Next(0, n - 1);
                words[at] = "good";
                words[at + 1] = "w19";
            }
            var context = string.Join(' ', words);
            var start = answerable ? context.IndexOf("good w19", StringComparison.Ordinal) : -1;
            result.Add(($"{seed}-{i}", "bad", context, answerable ? "good w19" : null, start));
        }
        return result;
    }

    /// <summary>Writes the rows as JSON Lines with Hugging Face squad's answers layout.</summary>
    public static string WriteJsonLines(string path, IEnumerable<(string Id, string Question, string Context, string? Answer, int Start)> rows)
    {
        File.WriteAllLines(path, rows.Select(r => JsonSerializer.Serialize(new
        {
            id = r.Id, question = r.Question, context = r.Context,
            answers = new { text = r.Answer is null ? Array.Empty<string>() : [r.Answer], answer_start = r.Answer is null ? Array.Empty<int>() : [r.Start] },
        })));
        return path;
    }

    /// <summary>Writes the rows as a SQuAD JSON file, one paragraph per row.</summary>
    public static string WriteSquad(string path, IEnumerable<(string Id, string Question, string Context, string? Answer, int Start)> rows)
    {
        var data = new[]
        {
            new
            {
                title = "tiny",
                paragraphs = rows.Select(r => new
                {
                    context = r.Context,
                    qas = new[]
                    {
                        new
                        {
                            id = r.Id, question = r.Question, is_impossible = r.Answer is null,
                            answers = r.Answer is null ? Array.Empty<object>() : [new { text = r.Answer, answer_start = r.Start }],
                        },
                    },
                }).ToArray(),
            },
        };
        File.WriteAllText(path, JsonSerializer.Serialize(new { version = "v2.0", data }));
        return path;
    }
}
