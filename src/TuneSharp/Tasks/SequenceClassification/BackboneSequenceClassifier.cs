using TorchSharp;
using TorchSharp.Modules;
using TuneSharp.Architectures;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.SequenceClassification;

/// <summary>
/// What every generic sequence classifier over a registered backbone shares: the backbone under the registration's prefix
/// (<c>roberta.*</c>, <c>model.*</c>, ...), the label fields from the config, the forward passes on ids or embeddings, and
/// saving with transformers' class name. A subclass registers its head under <see cref="Head"/>'s module name and says how
/// it turns hidden states into logits (<see cref="FirstTokenClassifier"/>, <see cref="LastTokenClassifier"/>).
/// </summary>
public abstract class BackboneSequenceClassifier : nn.Module, ISequenceClassifier
{
    private readonly IBackbone _backbone;

    /// <summary>
    /// Builds and registers the backbone for a config whose id2label / problem_type describe the head; the subclass builds
    /// its head after this (the backbone's random draws come first, as in transformers).
    /// </summary>
    protected BackboneSequenceClassifier(PretrainedConfig config) : base(ModelArchitectures.For(config).ClassName(ModelTask.SequenceClassification))
    {
        Config = config;
        var architecture = ModelArchitectures.For(config);
        ArchitectureName = architecture.ClassName(ModelTask.SequenceClassification);
        Head = architecture.Head(ModelTask.SequenceClassification);
        NumLabels = SequenceClassificationConfig.NumLabels(config);
        ProblemType = SequenceClassificationConfig.ProblemTypeOf(config);
        _backbone = architecture.CreateBackbone(config, false);
        register_module(architecture.BaseModelPrefix, _backbone.Module);
    }

    /// <summary>transformers' class name for this model_type (RobertaForSequenceClassification, ...), written to config.json.</summary>
    public string ArchitectureName { get; }

    /// <summary>The head's registration (module name, bias, dropout).</summary>
    protected TaskHead Head { get; }

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

    /// <summary>Logits [B, NumLabels] (float32); see <see cref="ISequenceClassifier.Forward"/>. Decoders ignore <paramref name="tokenTypeIds"/>.</summary>
    public Tensor Forward(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds) =>
        Classify(_backbone.Forward(inputIds, null, attentionMask, tokenTypeIds), attentionMask);

    /// <inheritdoc/>
    public Tensor ForwardEmbeddings(Tensor inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds) =>
        Classify(_backbone.Forward(null, inputsEmbeds, attentionMask, tokenTypeIds), attentionMask);

    /// <summary>The head's logits [B, NumLabels] from the last hidden state [B, T, H] and the attention mask [B, T].</summary>
    protected abstract Tensor Logits(Tensor lastHiddenState, Tensor attentionMask);

    private Tensor Classify(BackboneOutput output, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        using (output) return Logits(output.LastHiddenState, attentionMask).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>config.json (architectures [<see cref="ArchitectureName"/>], id2label, label2id, problem_type) and model.safetensors.</summary>
    public void SavePretrained(string dir) => PretrainedFiles.Save(this, Config, ArchitectureName, dir);
}
