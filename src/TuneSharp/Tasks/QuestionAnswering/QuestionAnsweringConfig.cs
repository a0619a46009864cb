using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;

namespace TuneSharp.Tasks.QuestionAnswering;

/// <summary>The config fields of a question-answering head: transformers' QA models read num_labels (2: start, end).</summary>
public static class QuestionAnsweringConfig
{
    /// <summary>The head's outputs: the start and the end logit.</summary>
    public const int NumLabels = 2;

    /// <summary>
    /// Gives <paramref name="config"/> the two labels a QA head has (id2label LABEL_0, LABEL_1 unless it already has two
    /// entries) and the dropout overrides of <paramref name="options"/>.
    /// </summary>
    public static void Apply(PretrainedConfig config, SequenceClassificationOptions options) =>
        SequenceClassificationConfig.ApplyLabelsAndDropout(config, options with { NumLabels = NumLabels, Id2Label = null, Label2Id = null, ProblemType = null });
}
