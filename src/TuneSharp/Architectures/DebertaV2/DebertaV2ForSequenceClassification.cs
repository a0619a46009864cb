using TorchSharp;
using TorchSharp.Modules;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using static TorchSharp.torch;

namespace TuneSharp.Architectures.DebertaV2;

/// <summary>
/// DeBERTa-v2/v3 with transformers' sequence head (<c>DebertaV2ForSequenceClassification</c>): the ContextPooler on the
/// first token (dropout <c>pooler_dropout</c> → <c>pooler.dense</c> → <c>pooler_hidden_act</c>), then dropout
/// (<c>cls_dropout</c>, else hidden_dropout_prob) → <c>classifier</c>. Both head modules sit at the top level beside
/// the encoder: <c>deberta.*</c>, <c>pooler.dense.*</c>, <c>classifier.*</c>.
/// </summary>
public sealed class DebertaV2ForSequenceClassification : BackboneSequenceClassifier
{
    // transformers' attribute names (they become the state_dict keys).
    private readonly DebertaV2ContextPooler pooler;
    private readonly Linear classifier;
    private readonly ParallelDropout dropout;

    /// <summary>
    /// Builds the model from a config whose id2label / problem_type describe the head; the encoder is random until
    /// weights are loaded, pooler.dense and classifier ~ Normal(0, initializer_range) with zero bias, as transformers
    /// initialises them (a base checkpoint has no pooler: it is new, like the classifier).
    /// </summary>
    public DebertaV2ForSequenceClassification(DebertaV2Config config) : base(config)
    {
        // Construction order is transformers': deberta (in the base), pooler, classifier, dropout.
        pooler = new DebertaV2ContextPooler(config);
        classifier = nn.Linear(config.HiddenSize, NumLabels);
        HeadInitialization.InitLinear(classifier, config.InitializerRange);
        dropout = new ParallelDropout(config.ClsDropout ?? config.HiddenDropoutProb);
        register_module(nameof(pooler), pooler);
        register_module(nameof(classifier), classifier);
        register_module(nameof(dropout), dropout);
    }

    /// <inheritdoc/>
    protected override Tensor Logits(Tensor lastHiddenState, Tensor attentionMask) => classifier.call(dropout.call(pooler.call(lastHiddenState)));
}

/// <summary>transformers' ContextPooler: the first token → dropout (pooler_dropout) → dense → pooler_hidden_act.</summary>
internal sealed class DebertaV2ContextPooler : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly ParallelDropout dropout;
    private readonly string activation;

    public DebertaV2ContextPooler(DebertaV2Config config) : base(nameof(DebertaV2ContextPooler))
    {
        dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        HeadInitialization.InitLinear(dense, config.InitializerRange);
        dropout = new ParallelDropout(config.PoolerDropout);
        activation = config.PoolerHiddenAct;
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return DebertaV2Config.Activate(activation, dense.call(dropout.call(hidden.select(1, 0)))).MoveToOuterDisposeScope();
    }
}
