namespace TuneSharp.Data;

/// <summary>Which file and columns <see cref="QuestionAnsweringData.Load"/> reads.</summary>
public sealed record QuestionAnsweringDataOptions
{
    /// <summary>
    /// The data file: SQuAD JSON (v1.1 or v2.0: <c>{"version", "data": [{"paragraphs": [{"context", "qas": [...]}]}]}</c>),
    /// JSON Lines (.jsonl) or a JSON array (.json) of flat rows. A .json file is read as SQuAD when its top level is an
    /// object with "data".
    /// </summary>
    public required string Path { get; init; }

    /// <summary>The file format; null detects it from the extension.</summary>
    public DatasetFormat? Format { get; init; }

    /// <summary>The column with each row's question id (flat rows). Rows without one are numbered by their line.</summary>
    public string IdColumn { get; init; } = "id";

    /// <summary>The column with each row's question (flat rows). Defaults to "question", as in Hugging Face's squad.</summary>
    public string QuestionColumn { get; init; } = "question";

    /// <summary>The column with each row's context (flat rows). Defaults to "context".</summary>
    public string ContextColumn { get; init; } = "context";

    /// <summary>
    /// The column with each row's answers (flat rows): <c>{"text": [...], "answer_start": [...]}</c> as Hugging Face's
    /// squad dataset writes it, or a list of <c>{"text", "answer_start"}</c> objects as SQuAD files do. A missing or null
    /// value and empty lists mean the question has no answer (SQuAD v2.0). answer_start counts Unicode code points, as
    /// Python does. Defaults to "answers".
    /// </summary>
    public string AnswersColumn { get; init; } = "answers";

    /// <summary>Whether a bad question (no context, an answer_start that does not point at its text...) is an error or skipped.</summary>
    public BadRowPolicy OnBadRow { get; init; } = BadRowPolicy.Error;
}
