namespace TuneSharp.Tasks.SequenceClassification;

/// <summary>What a sequence classifier predicts, and so which loss trains it (HF's <c>problem_type</c>).</summary>
public enum ProblemType
{
    /// <summary>One class per example ("single_label_classification"): softmax cross entropy on integer labels.</summary>
    SingleLabelClassification,

    /// <summary>Any subset of classes per example ("multi_label_classification"): sigmoid BCE on 0/1 float targets.</summary>
    MultiLabelClassification,

    /// <summary>Real-valued targets ("regression"): mean squared error, usually with one output.</summary>
    Regression,
}

/// <summary>Conversions between <see cref="ProblemType"/> and the strings transformers writes in config.json.</summary>
public static class ProblemTypes
{
    /// <summary>The config.json key that holds the problem type.</summary>
    public const string ConfigKey = "problem_type";

    /// <summary>The transformers string, e.g. "single_label_classification".</summary>
    public static string ToHfString(this ProblemType problemType) => problemType switch
    {
        ProblemType.SingleLabelClassification => "single_label_classification",
        ProblemType.MultiLabelClassification => "multi_label_classification",
        ProblemType.Regression => "regression",
        _ => throw new ArgumentOutOfRangeException(nameof(problemType), problemType, "Unknown problem type."),
    };

    /// <summary>Parses a transformers problem_type string; throws a <see cref="TuneSharpException"/> naming the accepted values.</summary>
    public static ProblemType Parse(string value, string source = "problem_type") => value switch
    {
        "single_label_classification" => ProblemType.SingleLabelClassification,
        "multi_label_classification" => ProblemType.MultiLabelClassification,
        "regression" => ProblemType.Regression,
        _ => throw new SequenceClassificationException(
            $"{source}: problem_type \"{value}\" is not one of \"single_label_classification\", \"multi_label_classification\", \"regression\"."),
    };

    /// <summary>
    /// What transformers infers when problem_type is not set: regression for one output, otherwise single-label
    /// (HF looks at the label dtype at the first loss; integer labels are the common case).
    /// </summary>
    public static ProblemType Infer(int numLabels) => numLabels == 1 ? ProblemType.Regression : ProblemType.SingleLabelClassification;
}
