using TuneSharp.Architectures;
using TuneSharp.Checkpoints;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;

namespace TuneSharp.Tasks.QuestionAnswering;

/// <summary>
/// Builds a question-answering model for a model folder, as transformers' <c>AutoModelForQuestionAnswering</c>: a base
/// checkpoint gets a new <c>qa_outputs</c> head (listed in the report as newly initialised), a saved QA model restores it.
/// </summary>
public static class QuestionAnsweringModelFactory
{
    /// <summary>model_type values with a question-answering model.</summary>
    public static IReadOnlyList<string> SupportedModelTypes => ModelArchitectures.WithTask(ModelTask.QuestionAnswering);

    /// <summary>
    /// Loads config.json and the safetensors weights of <paramref name="modelDir"/> into a QA model (the label fields of
    /// <paramref name="options"/> do not apply: the head has two outputs). Returned in eval mode; new weights are drawn
    /// from torch's global generator (seed it for reproducible heads).
    /// </summary>
    /// <exception cref="SequenceClassificationException">No question-answering head for the model_type.</exception>
    public static (IQuestionAnsweringModel Model, LoadReport Report) FromPretrained(string modelDir, SequenceClassificationOptions? options = null)
    {
        options ??= new SequenceClassificationOptions();
        return TaskModelLoader.Load<IQuestionAnsweringModel>(modelDir, ModelTask.QuestionAnswering, options,
            config => QuestionAnsweringConfig.Apply(config, options),
            (architecture, head, config) => head.Create is { } create ? (IQuestionAnsweringModel)create(config) : new QuestionAnsweringModel(config),
            "question-answering");
    }
}
