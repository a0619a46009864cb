using System.Globalization;
using System.Text.Json;

namespace TuneSharp.Data;

/// <summary>
/// The checks every question-answering example passes, whatever file it came from: a non-blank question and context,
/// and answers whose text is found at their answer_start, converted from code points (Python's string indices) to .NET
/// string indices.
/// </summary>
internal static class QuestionAnsweringChecks
{
    /// <summary>The column (or SQuAD key) names used in messages.</summary>
    public sealed record Columns(string Question, string Context, string Answers);

    /// <summary>
    /// The example, or null after reporting its first problem to <paramref name="sink"/>. <paramref name="answers"/> is the
    /// answers value: <c>{"text": [...], "answer_start": [...]}</c>, a list of <c>{"text", "answer_start"}</c> objects, or
    /// null (no answer). <paramref name="where"/> prefixes messages (a SQuAD file's <c>data[i].paragraphs[j].qas[k]</c>).
    /// </summary>
    public static QuestionAnsweringExample? Example(string id, string? question, string? context, JsonElement? answers, int line,
        BadRowSink sink, Columns columns, string? where)
    {
        var prefix = where is null ? "" : $"{where} (id '{TextExcerpt.Of(id, 60)}'): ";
        if (string.IsNullOrWhiteSpace(question))
        {
            sink.Report(line, where is null ? columns.Question : null, "missing question", $"{prefix}the question is {Blank(question)}; expected the question's text.");
            return null;
        }
        if (string.IsNullOrWhiteSpace(context))
        {
            sink.Report(line, where is null ? columns.Context : null, "missing context", $"{prefix}the question '{TextExcerpt.Of(question, 80)}' has {(context is null ? "no" : "an empty")} context; expected the text the answer is taken from.");
            return null;
        }
        var column = where is null ? columns.Answers : null;
        if (!TryReadAnswers(answers, out var raw, out var problem))
        {
            sink.Report(line, column, "unsupported value", $"{prefix}{problem}");
            return null;
        }
        var spans = new AnswerSpan[raw.Count];
        var codePoints = CodePointIndex.Of(context);
        for (var i = 0; i < raw.Count; i++)
        {
            var (text, start) = raw[i];
            var label = raw.Count == 1 ? "the answer" : $"answer {i + 1}";
            if (string.IsNullOrEmpty(text))
            {
                sink.Report(line, column, "empty answer", $"{prefix}{label} has an empty text; expected the answer's text as it appears in the context.");
                return null;
            }
            var utf16 = start >= 0 && start <= codePoints.Count ? codePoints.ToUtf16(start) : -1;
            if (utf16 < 0 || string.CompareOrdinal(context, utf16, text, 0, text.Length) != 0 || utf16 + text.Length > context.Length)
            {
                sink.Report(line, column, "answer not at answer_start", $"{prefix}{label} '{TextExcerpt.Of(text, 60)}' is not at answer_start {start} of the context " +
                    $"({Found(context, text, utf16, codePoints)}); answer_start counts characters (Unicode code points) from 0.");
                return null;
            }
            spans[i] = new AnswerSpan(text, utf16);
        }
        return new QuestionAnsweringExample(id, question, context, spans, line);
    }

    private static string Blank(string? text) => text is null ? "missing" : text.Length == 0 ? "empty" : "whitespace only";

    // What the context holds at answer_start, and where the text does occur (the nearest occurrence), for the message.
    private static string Found(string context, string text, int utf16, CodePointIndex codePoints)
    {
        var at = utf16 < 0 ? $"it has only {codePoints.Count} characters" : $"there it reads '{TextExcerpt.Of(context.Substring(utf16, Math.Min(text.Length, context.Length - utf16)), 60)}'";
        var occurrences = new List<int>();
        for (var i = context.IndexOf(text, StringComparison.Ordinal); i >= 0; i = context.IndexOf(text, i + 1, StringComparison.Ordinal)) occurrences.Add(i);
        if (occurrences.Count == 0) return $"{at}, and the text does not occur in the context at all";
        var nearest = occurrences.OrderBy(o => Math.Abs(o - Math.Max(utf16, 0))).First();
        return $"{at}; the text occurs at answer_start {codePoints.FromUtf16(nearest)}";
    }

    /// <summary>The (text, answer_start) pairs of an answers value; false with a problem for a malformed one.</summary>
    public static bool TryReadAnswers(JsonElement? value, out List<(string? Text, long Start)> answers, out string? problem)
    {
        answers = [];
        problem = null;
        const string expected = "expected {\"text\": [...], \"answer_start\": [...]} or a list of {\"text\", \"answer_start\"} objects";
        if (value is not { } answersValue) return true;
        if (answersValue.ValueKind == JsonValueKind.Object)
        {
            if (!answersValue.TryGetProperty("text", out var texts) || !answersValue.TryGetProperty("answer_start", out var starts)
                || texts.ValueKind != JsonValueKind.Array || starts.ValueKind != JsonValueKind.Array)
            {
                problem = $"the answers object needs the lists \"text\" and \"answer_start\"; {expected}.";
                return false;
            }
            if (texts.GetArrayLength() != starts.GetArrayLength())
            {
                problem = $"the answers have {texts.GetArrayLength()} texts but {starts.GetArrayLength()} answer_start values; expected one answer_start per text.";
                return false;
            }
            for (var i = 0; i < texts.GetArrayLength(); i++)
            {
                if (!TryAnswer(texts[i], starts[i], i, out var answer, out problem)) return false;
                answers.Add(answer);
            }
            return true;
        }
        if (answersValue.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in answersValue.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("text", out var text) || !item.TryGetProperty("answer_start", out var start))
                {
                    problem = $"answer {i + 1} is {JsonValues.Describe(item.ValueKind)} without \"text\" and \"answer_start\"; {expected}.";
                    return false;
                }
                if (!TryAnswer(text, start, i, out var answer, out problem)) return false;
                answers.Add(answer);
                i++;
            }
            return true;
        }
        problem = $"the answers are {JsonValues.Describe(answersValue.ValueKind)}; {expected}.";
        return false;
    }

    private static bool TryAnswer(JsonElement text, JsonElement start, int index, out (string? Text, long Start) answer, out string? problem)
    {
        answer = default;
        problem = null;
        if (text.ValueKind != JsonValueKind.String)
        {
            problem = $"the text of answer {index + 1} is {JsonValues.Describe(text.ValueKind)}; expected a string.";
            return false;
        }
        if (start.ValueKind != JsonValueKind.Number || !start.TryGetInt64(out var offset) || offset < 0)
        {
            problem = $"answer_start of answer {index + 1} is {(start.ValueKind == JsonValueKind.Number ? start.GetRawText() : JsonValues.Describe(start.ValueKind))}; expected a character offset (an integer, 0 or more).";
            return false;
        }
        answer = (text.GetString(), offset);
        return true;
    }
}

/// <summary>
/// Maps between Unicode code point indices (what Python's string indices and SQuAD's answer_start count) and .NET
/// string indices (UTF-16 code units: a character outside the Basic Multilingual Plane, such as an emoji, is two).
/// </summary>
internal sealed class CodePointIndex
{
    private readonly int[]? _utf16; // code point i starts at _utf16[i]; null when the text has no surrogate pairs

    private CodePointIndex(int[]? utf16, int count)
    {
        _utf16 = utf16;
        Count = count;
    }

    /// <summary>Number of code points in the text.</summary>
    public int Count { get; }

    public static CodePointIndex Of(string text)
    {
        if (!text.Any(char.IsHighSurrogate)) return new CodePointIndex(null, text.Length);
        var starts = new List<int>(text.Length + 1);
        for (var i = 0; i < text.Length; i++)
        {
            starts.Add(i);
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
        }
        var count = starts.Count;
        starts.Add(text.Length);
        return new CodePointIndex([.. starts], count);
    }

    /// <summary>The string index of code point <paramref name="codePoint"/> (0..Count; Count is the end).</summary>
    public int ToUtf16(long codePoint) => _utf16 is null ? (int)codePoint : _utf16[codePoint];

    /// <summary>The code point index of string index <paramref name="utf16"/>.</summary>
    public int FromUtf16(int utf16)
    {
        if (_utf16 is null) return utf16;
        var i = Array.BinarySearch(_utf16, utf16);
        return i >= 0 ? i : ~i;
    }
}
