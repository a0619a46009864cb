namespace TuneSharp.Data;

/// <summary>
/// One gold answer of an extractive question: its text and where it starts in the context, as a .NET string index
/// (UTF-16 code units; files written by Python count code points, and the reader converts), so that
/// <c>context.Substring(Start, Text.Length) == Text</c>.
/// </summary>
public sealed record AnswerSpan(string Text, int Start)
{
    /// <summary>Index just past the answer's last character.</summary>
    public int End => Start + Text.Length;
}

/// <summary>
/// One extractive question-answering example: a question about a context and its gold answers (none for an
/// unanswerable SQuAD v2.0 question). <paramref name="Line"/> is where it came from: the line of a JSON Lines row, the
/// element of a JSON array, or the question's number in a SQuAD file.
/// </summary>
public sealed record QuestionAnsweringExample(string Id, string Question, string Context, IReadOnlyList<AnswerSpan> Answers, int Line)
{
    /// <summary>Whether the question has an answer in the context (SQuAD v2.0's unanswerable questions have none).</summary>
    public bool IsAnswerable => Answers.Count > 0;
}
