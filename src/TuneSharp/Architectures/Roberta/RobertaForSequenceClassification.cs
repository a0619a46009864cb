using TorchSharp;
using TorchSharp.Modules;
using TuneSharp.Architectures.Bert;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using static TorchSharp.torch;

namespace TuneSharp.Architectures.Roberta;

/// <summary>
/// RoBERTa with transformers' two-layer classification head (<c>RobertaForSequenceClassification</c>, and the XLM-R
/// and CamemBERT classes of the same code): the first token's (&lt;s&gt;) hidden state → dropout → <c>classifier.dense</c>
/// → tanh → dropout → <c>classifier.out_proj</c>. No pooler: transformers builds this model without one and drops a
/// base checkpoint's. Parameter names: <c>roberta.*</c>, <c>classifier.dense.*</c>, <c>classifier.out_proj.*</c>.
/// </summary>
public sealed class RobertaForSequenceClassification : nn.Module, ISequenceClassifier
{
    // transformers' attribute names (they become the state_dict keys).
    private readonly RobertaModel roberta;
    private readonly RobertaClassificationHead classifier;

    /// <summary>
    /// Builds the model from a config whose id2label / problem_type describe the head (see
    /// <see cref="SequenceClassificationConfig.Apply"/>); the encoder is random until weights are loaded, both head
    /// layers ~ Normal(0, initializer_range) with zero bias, as transformers initialises them.
    /// </summary>
    public RobertaForSequenceClassification(RobertaConfig config) : base(ModelArchitectures.For(config).ClassName(ModelTask.SequenceClassification))
    {
        Config = config;
        ArchitectureName = ModelArchitectures.For(config).ClassName(ModelTask.SequenceClassification);
        NumLabels = SequenceClassificationConfig.NumLabels(config);
        ProblemType = SequenceClassificationConfig.ProblemTypeOf(config);
        roberta = new RobertaModel(config, addPoolingLayer: false);
        classifier = new RobertaClassificationHead(config, NumLabels);
        RegisterComponents();
    }

    /// <summary>transformers' class name for this model_type, written to config.json's architectures.</summary>
    public string ArchitectureName { get; }

    /// <summary>The config (with the head's labels).</summary>
    public RobertaConfig Config { get; }
    PretrainedConfig ITaskModel.Config => Config;
    nn.Module ITaskModel.Module => this;

    /// <inheritdoc/>
    public ModelTask Task => ModelTask.SequenceClassification;

    /// <inheritdoc/>
    public int NumLabels { get; }

    /// <inheritdoc/>
    public ProblemType ProblemType { get; }

    /// <summary>The encoder (<c>roberta.*</c>).</summary>
    public RobertaModel Roberta => roberta;

    /// <inheritdoc/>
    public Embedding InputEmbeddings => roberta.WordEmbeddings;

    /// <inheritdoc/>
    public bool GradientCheckpointing { get => roberta.GradientCheckpointing; set => roberta.GradientCheckpointing = value; }

    /// <summary>Logits [B, NumLabels] (float32); see <see cref="ISequenceClassifier.Forward"/>.</summary>
    public Tensor Forward(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds) =>
        Classify(((IBackbone)roberta).Forward(inputIds, null, attentionMask, tokenTypeIds));

    /// <inheritdoc/>
    public Tensor ForwardEmbeddings(Tensor inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds) =>
        Classify(((IBackbone)roberta).Forward(null, inputsEmbeds, attentionMask, tokenTypeIds));

    private Tensor Classify(BackboneOutput output)
    {
        using var scope = NewDisposeScope();
        using (output) return classifier.call(output.LastHiddenState.select(1, 0)).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>config.json (architectures [e.g. "RobertaForSequenceClassification"], id2label, label2id, problem_type) and model.safetensors.</summary>
    public void SavePretrained(string dir) => ClassifierFiles.Save(this, Config, ArchitectureName, dir);
}

/// <summary>transformers' RobertaClassificationHead: dropout → dense → tanh → dropout → out_proj, on one vector per sequence.</summary>
internal sealed class RobertaClassificationHead : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly ParallelDropout dropout;
    private readonly Linear out_proj;

    public RobertaClassificationHead(RobertaConfig config, int numLabels) : base(nameof(RobertaClassificationHead))
    {
        // Construction order is transformers' (dense, dropout, out_proj), so seeded random heads draw alike.
        dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        HeadInitialization.InitLinear(dense, config.InitializerRange);
        dropout = new ParallelDropout(BertArchitecture.HeadDropout(config));
        out_proj = nn.Linear(config.HiddenSize, numLabels);
        HeadInitialization.InitLinear(out_proj, config.InitializerRange);
        RegisterComponents();
    }

    public override Tensor forward(Tensor first)
    {
        using var scope = NewDisposeScope();
        return out_proj.call(dropout.call(dense.call(dropout.call(first)).tanh())).MoveToOuterDisposeScope();
    }
}
