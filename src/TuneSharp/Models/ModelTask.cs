namespace TuneSharp.Models;

/// <summary>
/// What a model's head does, as transformers' <c>AutoModelFor*</c> classes divide them. PEFT records it as
/// <c>task_type</c> (<see cref="ModelTasks.PeftTaskType"/>), and each architecture registers one head per task it has.
/// </summary>
public enum ModelTask
{
    /// <summary>One label (or score) per sequence: <c>*ForSequenceClassification</c>.</summary>
    SequenceClassification,

    /// <summary>One label per token (named entities, part of speech): <c>*ForTokenClassification</c>.</summary>
    TokenClassification,

    /// <summary>Start and end logits of an answer span: <c>*ForQuestionAnswering</c>.</summary>
    QuestionAnswering,

    /// <summary>Next-token prediction: <c>*ForCausalLM</c>.</summary>
    CausalLm,

    /// <summary>Encoder–decoder generation: <c>*ForConditionalGeneration</c>.</summary>
    Seq2SeqLm,
}

/// <summary>Names of <see cref="ModelTask"/> in the formats around it.</summary>
public static class ModelTasks
{
    /// <summary>PEFT's <c>TaskType</c> value, written to adapter_config.json's <c>task_type</c>.</summary>
    public static string PeftTaskType(this ModelTask task) => task switch
    {
        ModelTask.SequenceClassification => "SEQ_CLS",
        ModelTask.TokenClassification => "TOKEN_CLS",
        ModelTask.QuestionAnswering => "QUESTION_ANS",
        ModelTask.CausalLm => "CAUSAL_LM",
        ModelTask.Seq2SeqLm => "SEQ_2_SEQ_LM",
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, null),
    };

    /// <summary>The task of a PEFT <c>task_type</c> value, or null for one TuneSharp does not know.</summary>
    public static ModelTask? FromPeftTaskType(string? taskType) =>
        Enum.GetValues<ModelTask>().Cast<ModelTask?>().FirstOrDefault(t => t!.Value.PeftTaskType() == taskType);

    /// <summary>
    /// The task's name on the command line and in transformers' pipelines ("text-classification",
    /// "token-classification", "question-answering", "text-generation", "text2text-generation").
    /// </summary>
    public static string TaskName(this ModelTask task) => task switch
    {
        ModelTask.SequenceClassification => "text-classification",
        ModelTask.TokenClassification => "token-classification",
        ModelTask.QuestionAnswering => "question-answering",
        ModelTask.CausalLm => "text-generation",
        ModelTask.Seq2SeqLm => "text2text-generation",
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, null),
    };

    /// <summary>The task of a <see cref="TaskName"/>, or null for another name.</summary>
    public static ModelTask? FromTaskName(string? name) =>
        Enum.GetValues<ModelTask>().Cast<ModelTask?>().FirstOrDefault(t => t!.Value.TaskName() == name);

    /// <summary>The transformers class-name suffix: "ForSequenceClassification", "ForTokenClassification", ...</summary>
    public static string ClassSuffix(this ModelTask task) => task switch
    {
        ModelTask.SequenceClassification => "ForSequenceClassification",
        ModelTask.TokenClassification => "ForTokenClassification",
        ModelTask.QuestionAnswering => "ForQuestionAnswering",
        ModelTask.CausalLm => "ForCausalLM",
        ModelTask.Seq2SeqLm => "ForConditionalGeneration",
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, null),
    };
}
