namespace TuneSharp.Tasks.QuestionAnswering;

/// <summary>How question-answering examples become features and predictions (transformers' run_qa.py arguments).</summary>
public sealed record QuestionAnsweringTaskOptions
{
    /// <summary>Tokens per window, question and special tokens included (max_seq_length; run_qa.py's default 384).</summary>
    public int MaxLength { get; init; } = 384;

    /// <summary>Context tokens shared by consecutive windows of a long context (doc_stride; default 128).</summary>
    public int DocStride { get; init; } = 128;

    /// <summary>How logits become answers: n_best_size, max_answer_length, version_2_with_negative, null_score_diff_threshold.</summary>
    public AnswerPostProcessingOptions PostProcessing { get; init; } = new();

    /// <summary>Checks the values.</summary>
    /// <exception cref="TuneSharpException">A length or stride out of range.</exception>
    public void Validate()
    {
        if (MaxLength < 4) throw new TuneSharpException($"max_length must be at least 4 for question answering (special tokens, a question and some context), got {MaxLength}.") { Setting = "max_length" };
        if (DocStride < 0) throw new TuneSharpException($"doc_stride must be 0 or more, got {DocStride}.") { Setting = "doc_stride" };
        if (DocStride >= MaxLength) throw new TuneSharpException($"doc_stride ({DocStride}) must be smaller than max_length ({MaxLength}): it is the overlap of consecutive windows.") { Setting = "doc_stride" };
        PostProcessing.Validate();
    }
}
