using TorchSharp;
using TorchSharp.Modules;
using TuneSharp.Architectures;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.SequenceClassification;

/// <summary>
/// Any registered decoder with a linear head on the hidden state of each row's last real token, as transformers'
/// <c>LlamaForSequenceClassification</c>, <c>GPT2ForSequenceClassification</c>, <c>GPTNeoXForSequenceClassification</c>, ...
/// The backbone takes the registration's prefix (<c>model.*</c>, <c>transformer.*</c>, <c>gpt_neox.*</c>) and the head its
/// module name (<c>score</c>, bias-free in every decoder transformers has), so the state dict is the checkpoint's.
/// </summary>
/// <remarks>The last token comes from the attention mask, not pad_token_id; see <see cref="LastTokenPooling"/> for why.</remarks>
public sealed class LastTokenClassifier : nn.Module, ISequenceClassifier
{
    private readonly IBackbone _backbone;
    private readonly Linear _score;

    /// <summary>
    /// Builds the model from a config whose id2label / problem_type describe the head (see
    /// <see cref="SequenceClassificationConfig.Apply"/>); the backbone is random until weights are loaded, the head
    /// ~ Normal(0, initializer_range), as transformers initialises it.
    /// </summary>
    public LastTokenClassifier(PretrainedConfig config) : base(ModelArchitectures.For(config).ClassName(ModelTask.SequenceClassification))
    {
        Config = config;
        var architecture = ModelArchitectures.For(config);
        ArchitectureName = architecture.ClassName(ModelTask.SequenceClassification);
        var head = architecture.Head(ModelTask.SequenceClassification);
        NumLabels = SequenceClassificationConfig.NumLabels(config);
        ProblemType = SequenceClassificationConfig.ProblemTypeOf(config);
        _backbone = architecture.CreateBackbone(config, false);
        _score = nn.Linear(config.HiddenSize, NumLabels, hasBias: head.Bias);
        HeadInitialization.InitLinear(_score, config.InitializerRange);
        register_module(architecture.BaseModelPrefix, _backbone.Module);
        register_module(head.Module, _score);
    }

    /// <summary>transformers' class name for this model_type (LlamaForSequenceClassification, ...), written to config.json.</summary>
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

    /// <summary>The decoder.</summary>
    public IBackbone Backbone => _backbone;

    /// <summary>The head ([NumLabels, hidden]).</summary>
    public Linear Score => _score;

    /// <inheritdoc/>
    public Embedding InputEmbeddings => _backbone.WordEmbeddings;

    /// <inheritdoc/>
    public bool GradientCheckpointing { get => _backbone.GradientCheckpointing; set => _backbone.GradientCheckpointing = value; }

    /// <summary>
    /// Logits [B, NumLabels] (float32) from the last real token of each row (by <paramref name="attentionMask"/>).
    /// Decoders have no segments, so <paramref name="tokenTypeIds"/> is ignored.
    /// </summary>
    public Tensor Forward(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds) =>
        Classify(_backbone.Forward(inputIds, null, attentionMask, null), attentionMask);

    /// <inheritdoc/>
    public Tensor ForwardEmbeddings(Tensor inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds) =>
        Classify(_backbone.Forward(null, inputsEmbeds, attentionMask, null), attentionMask);

    // Pool first, then project: the same numbers as HF's score-every-token-then-gather, without [B, T, L] logits.
    private Tensor Classify(BackboneOutput output, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        using (output)
            return _score.call(LastTokenPooling.Pool(output.LastHiddenState, attentionMask)).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>config.json (architectures [<see cref="ArchitectureName"/>], id2label, label2id, problem_type) and model.safetensors.</summary>
    public void SavePretrained(string dir) => PretrainedFiles.Save(this, Config, ArchitectureName, dir);
}
