namespace TuneSharp.Recipes;

/// <summary>
/// An extractive question-answering run: the shared options (<see cref="FineTuningRunOptions"/>) and how the questions
/// are read (SQuAD JSON, or JSON Lines / JSON rows with these columns), windowed and turned into answers.
/// </summary>
public sealed record QuestionAnsweringRunOptions : FineTuningRunOptions
{
    /// <summary>Column with each row's question id (flat rows).</summary>
    public string IdColumn { get; init; } = "id";

    /// <summary>Column with each row's question (flat rows).</summary>
    public string QuestionColumn { get; init; } = "question";

    /// <summary>Column with each row's context (flat rows).</summary>
    public string ContextColumn { get; init; } = "context";

    /// <summary>Column with each row's answers (flat rows): {"text": [...], "answer_start": [...]} or a list of such objects.</summary>
    public string AnswersColumn { get; init; } = "answers";

    /// <summary>
    /// Context tokens shared by consecutive windows of a long context (doc_stride); null: run_qa.py's 128, or a third of
    /// max_length when that is smaller (<see cref="Tasks.DocStride.Default"/>).
    /// </summary>
    public int? DocStride { get; init; }

    /// <summary>The doc_stride in use: <see cref="DocStride"/> or the default for the run's max_length.</summary>
    public int EffectiveDocStride => DocStride ?? Tasks.DocStride.Default(Args.MaxLength);

    /// <summary>Start and end candidates per window, and answers kept per question (n_best_size).</summary>
    public int NBestSize { get; init; } = 20;

    /// <summary>The longest answer in tokens (max_answer_length).</summary>
    public int MaxAnswerLength { get; init; } = 30;

    /// <summary>Questions may have no answer (SQuAD v2.0: version_2_with_negative); needed when the data has such questions.</summary>
    public bool Version2WithNegative { get; init; }

    /// <summary>With <see cref="Version2WithNegative"/>: answer none when the null score beats the best span's by more than this.</summary>
    public double NullScoreDiffThreshold { get; init; }
}
