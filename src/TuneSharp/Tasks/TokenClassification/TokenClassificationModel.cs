using TorchSharp;
using TorchSharp.Modules;
using TuneSharp.Architectures;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.TokenClassification;

/// <summary>
/// Any registered backbone with a linear head on every token's hidden state, as transformers'
/// <c>*ForTokenClassification</c>: logits = head(dropout(last_hidden_state)). The backbone and head take the module
/// names of the architecture's registration (BERT: <c>bert.*</c>, <c>classifier.*</c>; Llama: <c>model.*</c>,
/// <c>score.*</c>), so the state dict is the transformers checkpoint's.
/// </summary>
public sealed class TokenClassificationModel : nn.Module, ITokenClassifier
{
    private readonly IBackbone _backbone;
    private readonly ParallelDropout _dropout;
    private readonly Linear _head;

    /// <summary>
    /// Builds the model from a config whose id2label names the labels (see <see cref="SequenceClassificationConfig.ApplyLabelsAndDropout"/>);
    /// the backbone is random until weights are loaded, the head ~ Normal(0, initializer_range) with zero bias, as
    /// transformers initialises new heads.
    /// </summary>
    /// <exception cref="TuneSharpException">The architecture has no token-classification head.</exception>
    public TokenClassificationModel(PretrainedConfig config) : base(ModelArchitectures.For(config).ClassName(ModelTask.TokenClassification))
    {
        Config = config;
        Architecture = ModelArchitectures.For(config);
        Head = Architecture.Head(ModelTask.TokenClassification);
        NumLabels = SequenceClassificationConfig.NumLabels(config);
        // Construction order is transformers': backbone, dropout, head (the head's random draws come last).
        _backbone = Architecture.CreateBackbone(config, false);
        _dropout = new ParallelDropout(Head.Dropout(config));
        _head = nn.Linear(config.HiddenSize, NumLabels, hasBias: Head.Bias);
        HeadInitialization.InitLinear(_head, config.InitializerRange);
        register_module(Architecture.BaseModelPrefix, _backbone.Module);
        register_module("dropout", _dropout);
        register_module(Head.Module, _head);
    }

    /// <inheritdoc/>
    public PretrainedConfig Config { get; }

    /// <summary>The registration this model was built from.</summary>
    public ModelArchitecture Architecture { get; }

    /// <summary>The head's registration (its module name, bias, dropout).</summary>
    public TaskHead Head { get; }

    /// <inheritdoc/>
    public int NumLabels { get; }

    /// <inheritdoc/>
    public nn.Module Module => this;

    /// <inheritdoc/>
    public ModelTask Task => ModelTask.TokenClassification;

    /// <summary>The backbone (<c>bert.*</c>, <c>model.*</c>).</summary>
    public IBackbone Backbone => _backbone;

    /// <summary>The head Linear, [NumLabels, hidden].</summary>
    public Linear Classifier => _head;

    /// <inheritdoc/>
    public Embedding InputEmbeddings => _backbone.WordEmbeddings;

    /// <inheritdoc/>
    public bool GradientCheckpointing { get => _backbone.GradientCheckpointing; set => _backbone.GradientCheckpointing = value; }

    /// <inheritdoc/>
    public Tensor Forward(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds) => Run(inputIds, null, attentionMask, tokenTypeIds);

    /// <inheritdoc/>
    public Tensor ForwardEmbeddings(Tensor inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds) => Run(null, inputsEmbeds, attentionMask, tokenTypeIds);

    private Tensor Run(Tensor? inputIds, Tensor? inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        using var output = _backbone.Forward(inputIds, inputsEmbeds, attentionMask, tokenTypeIds);
        return _head.call(_dropout.call(output.LastHiddenState)).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>config.json (architectures [e.g. "BertForTokenClassification"], id2label, label2id) and model.safetensors.</summary>
    public void SavePretrained(string dir) => PretrainedFiles.Save(this, Config, Architecture.ClassName(ModelTask.TokenClassification), dir);
}
