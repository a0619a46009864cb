using TorchSharp;
using TorchSharp.Modules;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using static TorchSharp.torch;

namespace TuneSharp.Architectures.DistilBert;

/// <summary>
/// DistilBERT with transformers' two-layer head (<c>DistilBertForSequenceClassification</c>): the first token's hidden
/// state → <c>pre_classifier</c> → ReLU → dropout (<c>seq_classif_dropout</c>) → <c>classifier</c>. Parameter names:
/// <c>distilbert.*</c>, <c>pre_classifier.*</c>, <c>classifier.*</c>.
/// </summary>
public sealed class DistilBertForSequenceClassification : BackboneSequenceClassifier
{
    // transformers' attribute names (they become the state_dict keys).
    private readonly Linear pre_classifier;
    private readonly Linear classifier;
    private readonly ParallelDropout dropout;

    /// <summary>
    /// Builds the model from a config whose id2label / problem_type describe the head; the encoder is random until
    /// weights are loaded, both head layers ~ Normal(0, initializer_range) with zero bias, as transformers initialises them.
    /// </summary>
    public DistilBertForSequenceClassification(DistilBertConfig config) : base(config)
    {
        // Construction order is transformers': distilbert (in the base), pre_classifier, classifier, dropout.
        pre_classifier = nn.Linear(config.HiddenSize, config.HiddenSize);
        HeadInitialization.InitLinear(pre_classifier, config.InitializerRange);
        classifier = nn.Linear(config.HiddenSize, NumLabels);
        HeadInitialization.InitLinear(classifier, config.InitializerRange);
        dropout = new ParallelDropout(config.SeqClassifDropout);
        register_module(nameof(pre_classifier), pre_classifier);
        register_module(nameof(classifier), classifier);
        register_module(nameof(dropout), dropout);
    }

    /// <inheritdoc/>
    protected override Tensor Logits(Tensor lastHiddenState, Tensor attentionMask) =>
        classifier.call(dropout.call(nn.functional.relu(pre_classifier.call(lastHiddenState.select(1, 0)))));
}
