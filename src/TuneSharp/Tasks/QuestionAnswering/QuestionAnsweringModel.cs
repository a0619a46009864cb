using TorchSharp;
using TorchSharp.Modules;
using TuneSharp.Architectures;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.QuestionAnswering;

/// <summary>
/// Any registered backbone with transformers' <c>*ForQuestionAnswering</c> head: <c>qa_outputs</c>, a Linear from the
/// hidden size to 2 (num_labels) on every token's hidden state, no dropout; its two outputs are the start and end logits.
/// The backbone takes its registered name (BERT: <c>bert.*</c>), so the state dict is the transformers checkpoint's.
/// </summary>
public sealed class QuestionAnsweringModel : nn.Module, IQuestionAnsweringModel
{
    private readonly IBackbone _backbone;
    private readonly ParallelDropout _dropout;
    private readonly Linear _head;

    /// <summary>
    /// Builds the model from a config (two labels, as transformers' QA configs have); the backbone is random until
    /// weights are loaded, the head ~ Normal(0, initializer_range) with zero bias, as transformers initialises new heads.
    /// </summary>
    /// <exception cref="TuneSharpException">The architecture has no question-answering head.</exception>
    public QuestionAnsweringModel(PretrainedConfig config) : base(ModelArchitectures.For(config).ClassName(ModelTask.QuestionAnswering))
    {
        Config = config;
        Architecture = ModelArchitectures.For(config);
        Head = Architecture.Head(ModelTask.QuestionAnswering);
        _backbone = Architecture.CreateBackbone(config, false);
        // BERT's and RoBERTa's QA models have no dropout before qa_outputs (the registration's 0); DistilBERT's has qa_dropout.
        _dropout = new ParallelDropout(Head.Dropout(config));
        _head = nn.Linear(config.HiddenSize, QuestionAnsweringConfig.NumLabels, hasBias: Head.Bias);
        HeadInitialization.InitLinear(_head, config.InitializerRange);
        register_module(Architecture.BaseModelPrefix, _backbone.Module);
        register_module("dropout", _dropout);
        register_module(Head.Module, _head);
    }

    /// <inheritdoc/>
    public PretrainedConfig Config { get; }

    /// <summary>The registration this model was built from.</summary>
    public ModelArchitecture Architecture { get; }

    /// <summary>The head's registration.</summary>
    public TaskHead Head { get; }

    /// <inheritdoc/>
    public nn.Module Module => this;

    /// <inheritdoc/>
    public ModelTask Task => ModelTask.QuestionAnswering;

    /// <summary>The backbone.</summary>
    public IBackbone Backbone => _backbone;

    /// <summary>The head Linear (<c>qa_outputs</c>), [2, hidden].</summary>
    public Linear QaOutputs => _head;

    /// <inheritdoc/>
    public Embedding InputEmbeddings => _backbone.WordEmbeddings;

    /// <inheritdoc/>
    public bool GradientCheckpointing { get => _backbone.GradientCheckpointing; set => _backbone.GradientCheckpointing = value; }

    /// <inheritdoc/>
    public (Tensor StartLogits, Tensor EndLogits) Forward(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds) => Run(inputIds, null, attentionMask, tokenTypeIds);

    /// <inheritdoc/>
    public (Tensor StartLogits, Tensor EndLogits) ForwardEmbeddings(Tensor inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds) => Run(null, inputsEmbeds, attentionMask, tokenTypeIds);

    private (Tensor, Tensor) Run(Tensor? inputIds, Tensor? inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        using var output = _backbone.Forward(inputIds, inputsEmbeds, attentionMask, tokenTypeIds);
        var logits = _head.call(_dropout.call(output.LastHiddenState)).to_type(ScalarType.Float32);
        var start = logits.select(-1, 0).contiguous();
        var end = logits.select(-1, 1).contiguous();
        return (start.MoveToOuterDisposeScope(), end.MoveToOuterDisposeScope());
    }

    /// <summary>config.json (architectures [e.g. "BertForQuestionAnswering"]) and model.safetensors.</summary>
    public void SavePretrained(string dir) => PretrainedFiles.Save(this, Config, Architecture.ClassName(ModelTask.QuestionAnswering), dir);
}
