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
public sealed class FirstTokenClassifier : nn.Module, ISequenceClassifier
{
    private readonly IBackbone _backbone;
    private readonly FirstTokenHead _classifier;

    /// <summary>
    /// Builds the model from a config whose id2label / problem_type describe the head; the backbone is random until
    /// weights are loaded, both head layers ~ Normal(0, initializer_range) with zero bias, as transformers initialises them.
    /// </summary>
    /// <param name="config">The config (with labels).</param>
    /// <param name="activation">Between the two layers: "tanh" or a <see cref="Activations"/> name ("gelu").</param>
    public FirstTokenClassifier(PretrainedConfig config, string activation)
        : base(ModelArchitectures.For(config).ClassName(ModelTask.SequenceClassification))
    {
        Config = config;
        var architecture = ModelArchitectures.For(config);
        ArchitectureName = architecture.ClassName(ModelTask.SequenceClassification);
        NumLabels = SequenceClassificationConfig.NumLabels(config);
        ProblemType = SequenceClassificationConfig.ProblemTypeOf(config);
        var head = architecture.Head(ModelTask.SequenceClassification);
        _backbone = architecture.CreateBackbone(config, false);
        _classifier = new FirstTokenHead(config.HiddenSize, NumLabels, head.Dropout(config), activation, config.InitializerRange);
        register_module(architecture.BaseModelPrefix, _backbone.Module);
        register_module(head.Module, _classifier);
    }

    /// <summary>transformers' class name for this model_type (RobertaForSequenceClassification, ...), written to config.json.</summary>
    public string ArchitectureName { get; }

    /// <inheritdoc/>
    public PretrainedConfig Config { get; }

    nn.Module ITaskModel.Module => this;

    /// <inheritdoc/>
    public ModelTask Task => ModelTask.SequenceClassification;

    /// <inheritdoc/>
    public int NumLabels { get; }

    /// <inheritdoc/>
    public ProblemType ProblemType { get; }

    /// <summary>The backbone.</summary>
    public IBackbone Backbone => _backbone;

    /// <inheritdoc/>
    public Embedding InputEmbeddings => _backbone.WordEmbeddings;

    /// <inheritdoc/>
    public bool GradientCheckpointing { get => _backbone.GradientCheckpointing; set => _backbone.GradientCheckpointing = value; }

    /// <summary>Logits [B, NumLabels] (float32); see <see cref="ISequenceClassifier.Forward"/>.</summary>
    public Tensor Forward(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds) => Classify(_backbone.Forward(inputIds, null, attentionMask, tokenTypeIds));

    /// <inheritdoc/>
    public Tensor ForwardEmbeddings(Tensor inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds) =>
        Classify(_backbone.Forward(null, inputsEmbeds, attentionMask, tokenTypeIds));

    private Tensor Classify(BackboneOutput output)
    {
        using var scope = NewDisposeScope();
        using (output) return _classifier.call(output.LastHiddenState.select(1, 0)).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>config.json (architectures [<see cref="ArchitectureName"/>], id2label, label2id, problem_type) and model.safetensors.</summary>
    public void SavePretrained(string dir) => PretrainedFiles.Save(this, Config, ArchitectureName, dir);
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
