using System.Text.Json;

namespace TuneSharp.Data;

/// <summary>
/// Reads a SQuAD JSON file (v1.1 and v2.0): <c>{"version", "data": [{"title", "paragraphs": [{"context", "qas": [{"id",
/// "question", "answers": [{"text", "answer_start"}], "is_impossible"}]}]}]}</c>. A v2.0 question with
/// <c>is_impossible: true</c> has no answer (its <c>plausible_answers</c> are not gold answers, as in the official
/// evaluation). Questions are numbered 1, 2, ... in file order, and messages name the question's number and its place in
/// the file (SQuAD files are often a single line, so a line number would say little).
/// </summary>
internal static class SquadJsonReader
{
    private const string Layout = "expected SQuAD JSON: {\"data\": [{\"paragraphs\": [{\"context\": \"...\", \"qas\": [{\"id\", \"question\", \"answers\"}]}]}]}";

    public static (List<QuestionAnsweringExample>, BadRowSink) Read(string path, BadRowPolicy policy)
    {
        var sink = new BadRowSink(path, DatasetFormat.Json, policy, new SkippedRows("question"), lineNoun: "question");
        using var document = Parse(path, sink);
        var root = document.RootElement;
        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            throw sink.Fatal(null, null, $"the top-level object has no \"data\" list; {Layout}.");
        var columns = new QuestionAnsweringChecks.Columns("question", "context", "answers");
        var examples = new List<QuestionAnsweringExample>();
        var number = 0;
        for (var a = 0; a < data.GetArrayLength(); a++)
        {
            var article = data[a];
            if (article.ValueKind != JsonValueKind.Object || !article.TryGetProperty("paragraphs", out var paragraphs) || paragraphs.ValueKind != JsonValueKind.Array)
                throw sink.Fatal(null, null, $"data[{a}] has no \"paragraphs\" list; {Layout}.");
            for (var p = 0; p < paragraphs.GetArrayLength(); p++)
            {
                var paragraph = paragraphs[p];
                var where = $"data[{a}].paragraphs[{p}]";
                if (paragraph.ValueKind != JsonValueKind.Object || !paragraph.TryGetProperty("qas", out var qas) || qas.ValueKind != JsonValueKind.Array)
                    throw sink.Fatal(null, null, $"{where} has no \"qas\" list; {Layout}.");
                var context = paragraph.TryGetProperty("context", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                for (var q = 0; q < qas.GetArrayLength(); q++)
                {
                    number++;
                    var qa = qas[q];
                    var place = $"{where}.qas[{q}]";
                    if (qa.ValueKind != JsonValueKind.Object) { sink.Report(number, null, "not a JSON object", $"{place} is {JsonValues.Describe(qa.ValueKind)}; expected a question object."); continue; }
                    var id = Text(qa, "id");
                    if (string.IsNullOrWhiteSpace(id)) { sink.Report(number, null, "missing id", $"{place} has no \"id\"; expected a unique question id."); continue; }
                    var impossible = qa.TryGetProperty("is_impossible", out var flag) && flag.ValueKind == JsonValueKind.True;
                    JsonElement? answers = !impossible && qa.TryGetProperty("answers", out var list) && list.ValueKind != JsonValueKind.Null ? list : null;
                    var example = QuestionAnsweringChecks.Example(id, Text(qa, "question"), context, answers, number, sink, columns, place);
                    if (example is not null) examples.Add(example);
                }
            }
        }
        return (examples, sink);
    }

    private static string? Text(JsonElement obj, string key) =>
        obj.TryGetProperty(key, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;

    private static JsonDocument Parse(string path, BadRowSink sink)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            var at = e.LineNumber is { } line ? $" at line {line + 1}, byte {e.BytePositionInLine + 1}" : "";
            throw sink.Fatal(null, null, $"not valid JSON{at}: {e.Message.Split(" LineNumber:")[0]} {Layout}.", e);
        }
    }
}
