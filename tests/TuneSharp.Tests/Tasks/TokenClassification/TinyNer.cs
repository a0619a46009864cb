using System.Text.Json;
using TuneSharp.Tests.Tasks.TextClassification;

namespace TuneSharp.Tests.Tasks.TokenClassification;

/// <summary>
/// A synthetic NER dataset for the tiny BERT of <see cref="TinyTextClassification"/>: sentences of filler words where
/// "good" starts a PER entity (continued by an immediately following "w19", I-PER) and "bad" is a one-word LOC entity.
/// </summary>
internal static class TinyNer
{
    public static readonly string[] Labels = ["B-LOC", "B-PER", "I-PER", "O"];

    /// <summary><paramref name="count"/> sentences of 2..<paramref name="maxWords"/> words with their tags.</summary>
    public static List<(string[] Tokens, string[] Tags)> Sentences(int count, int seed, int maxWords = 10)
    {
        var random = new Random(seed);
        var result = new List<(string[], string[])>();
        for (int s = 0; s < count; s++)
        {
            var n = random.Next(2, maxWords + 1);
            var tokens = new string[n];
            var tags = new string[n];
            for (int i = 0; i < n; i++)
            {
                var roll = random.Next(10);
                tokens[i] = roll == 0 ? "good" : roll == 1 ? "bad" : roll == 2 && i > 0 && tokens[i - 1] == "good" ? "w19" : $"w{random.Next(19)}";
                tags[i] = tokens[i] switch
                {
                    "good" => "B-PER",
                    "bad" => "B-LOC",
                    "w19" when i > 0 && tokens[i - 1] == "good" => "I-PER",
                    _ => "O",
                };
            }
            result.Add((tokens, tags));
        }
        return result;
    }

    /// <summary>Writes the sentences as JSON Lines with "tokens" and "ner_tags" (strings).</summary>
    public static string WriteJsonLines(string path, IEnumerable<(string[] Tokens, string[] Tags)> sentences)
    {
        File.WriteAllLines(path, sentences.Select(s => JsonSerializer.Serialize(new { tokens = s.Tokens, ner_tags = s.Tags })));
        return path;
    }

    /// <summary>Writes the sentences as a CoNLL file (token, a dummy POS column, tag), blank lines between sentences.</summary>
    public static string WriteConll(string path, IEnumerable<(string[] Tokens, string[] Tags)> sentences)
    {
        var lines = new List<string> { "-DOCSTART- -X- O", "" };
        foreach (var (tokens, tags) in sentences)
        {
            lines.AddRange(tokens.Select((t, i) => $"{t} NN {tags[i]}"));
            lines.Add("");
        }
        File.WriteAllLines(path, lines);
        return path;
    }
}
