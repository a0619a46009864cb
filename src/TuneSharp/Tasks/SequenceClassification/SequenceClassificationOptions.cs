using static TorchSharp.torch;

namespace TuneSharp.Tasks.SequenceClassification;

/// <summary>How <see cref="SequenceClassifierFactory.FromPretrained"/> builds the head and loads the weights.</summary>
public sealed record SequenceClassificationOptions
{
    /// <summary>
    /// Outputs of the head. Null: taken from the folder's config (size of id2label, as saved by a classifier),
    /// else from <see cref="Id2Label"/>/<see cref="Label2Id"/>, else 2 (transformers' default).
    /// </summary>
    public int? NumLabels { get; init; }

    /// <summary>Class index → name, indices 0..NumLabels-1. Null: keep the config's when it has the right size, else LABEL_i.</summary>
    public IReadOnlyDictionary<int, string>? Id2Label { get; init; }

    /// <summary>Name → class index; derived from <see cref="Id2Label"/> when null. Must agree with it when both are given.</summary>
    public IReadOnlyDictionary<string, int>? Label2Id { get; init; }

    /// <summary>Null: the config's problem_type if set, else regression for one label and single-label otherwise.</summary>
    public ProblemType? ProblemType { get; init; }

    /// <summary>Floating dtype for the weights (e.g. BFloat16); null keeps float32 / the checkpoint's conversion default.</summary>
    public ScalarType? DType { get; init; }

    /// <summary>
    /// Replaces the config's hidden dropout (BERT <c>hidden_dropout_prob</c>, which also drives the classifier
    /// dropout unless <c>classifier_dropout</c> is set). Llama has no hidden dropout, so it is ignored there.
    /// Like a transformers config kwarg, the new value is saved with the model.
    /// </summary>
    public double? HiddenDropoutOverride { get; init; }

    /// <summary>Replaces the attention-probability dropout (BERT <c>attention_probs_dropout_prob</c>, Llama <c>attention_dropout</c>).</summary>
    public double? AttentionDropoutOverride { get; init; }

    /// <summary>
    /// When a saved head has a different number of labels than requested: false (default) throws;
    /// true keeps a freshly initialised head and lists the head tensors under MismatchedKeys in the load report.
    /// </summary>
    public bool IgnoreMismatchedSizes { get; init; }

    /// <summary>
    /// Refuse a folder whose weights hold no classification head (a base model: the head would be randomly
    /// initialised, so its predictions would be noise). On for inference (evaluate, predict); off for fine-tuning,
    /// which starts from exactly such a folder. Checked on the safetensors headers, before any weight is read.
    /// </summary>
    public bool RequireTrainedHead { get; init; }
}
