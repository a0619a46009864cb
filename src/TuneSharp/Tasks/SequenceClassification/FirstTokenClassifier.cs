using TorchSharp;
using TorchSharp.Modules;
using TuneSharp.Architectures;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.SequenceClassification;

/// <summary>
/// Any registered backbone with transformers' two-layer classification head on the first token's hidden state, as
/// RoBERTa's and ELECTRA's <c>*ForSequenceClassification</c> build it (RobertaClassificationHead,
/// ElectraClassificationHead): first token → dropout → <c>classifier.dense</c> → activation (tanh for RoBERTa, GELU for
/// ELECTRA) → dropout → <c>classifier.out_proj</c>. The backbone is built without a pooler and takes the registration's
/// prefix (<c>roberta.*</c>, <c>electra.*</c>), so the state dict is the transformers checkpoint's.
/// </summary>
public sealed class FirstTokenClassifier : BackboneSequenceClassifier
{
    private readonly FirstTokenHead _classifier;

    /// <summary>
    /// Builds the model from a config whose id2label / problem_type describe the head; the backbone is random until
    /// weights are loaded, both head layers ~ Normal(0, initializer_range) with zero bias, as transformers initialises them.
    /// </summary>
    /// <param name="config">The config (with labels).</param>
    /// <param name="activation">Between the two layers: "tanh" or a <see cref="Activations"/> name ("gelu").</param>
    public FirstTokenClassifier(PretrainedConfig config, string activation) : base(config)
    {
        _classifier = new FirstTokenHead(config.HiddenSize, NumLabels, Head.Dropout(config), activation, config.InitializerRange);
        register_module(Head.Module, _classifier);
    }

    /// <inheritdoc/>
    protected override Tensor Logits(Tensor lastHiddenState, Tensor attentionMask) => _classifier.call(lastHiddenState.select(1, 0));
}

/// <summary>dropout → dense → activation → dropout → out_proj, on one vector per sequence.</summary>
internal sealed class FirstTokenHead : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly ParallelDropout dropout;
    private readonly Linear out_proj;
    private readonly string activation;

    public FirstTokenHead(int hidden, int numLabels, double dropoutProbability, string activation, double initializerRange) : base(nameof(FirstTokenHead))
    {
        // Construction order is transformers' (dense, dropout, out_proj), so seeded random heads draw alike.
        dense = nn.Linear(hidden, hidden);
        HeadInitialization.InitLinear(dense, initializerRange);
        dropout = new ParallelDropout(dropoutProbability);
        out_proj = nn.Linear(hidden, numLabels);
        HeadInitialization.InitLinear(out_proj, initializerRange);
        this.activation = activation;
        RegisterComponents();
    }

    public override Tensor forward(Tensor first)
    {
        using var scope = NewDisposeScope();
        var x = dense.call(dropout.call(first));
        x = activation == "tanh" ? x.tanh() : Activations.Apply(activation, x);
        return out_proj.call(dropout.call(x)).MoveToOuterDisposeScope();
    }
}
