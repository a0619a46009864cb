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
public sealed class DistilBertForSequenceClassification : nn.Module, ISequenceClassifier
{
    /// <summary>The transformers class name written to config.json's architectures.</summary>
    public const string ArchitectureName = "DistilBertForSequenceClassification";

    // transformers' attribute names (they become the state_dict keys).
    private readonly DistilBertModel distilbert;
    private readonly Linear pre_classifier;
    private readonly Linear classifier;
    private readonly ParallelDropout dropout;

    /// <summary>
    /// Builds the model from a config whose id2label / problem_type describe the head; the encoder is random until
    /// weights are loaded, both head layers ~ Normal(0, initializer_range) with zero bias, as transformers initialises them.
    /// </summary>
    public DistilBertForSequenceClassification(DistilBertConfig config) : base(ArchitectureName)
    {
        Config = config;
        NumLabels = SequenceClassificationConfig.NumLabels(config);
        ProblemType = SequenceClassificationConfig.ProblemTypeOf(config);
        distilbert = new DistilBertModel(config);
        // Construction order is transformers': pre_classifier, classifier, dropout.
        pre_classifier = nn.Linear(config.HiddenSize, config.HiddenSize);
        HeadInitialization.InitLinear(pre_classifier, config.InitializerRange);
        classifier = nn.Linear(config.HiddenSize, NumLabels);
        HeadInitialization.InitLinear(classifier, config.InitializerRange);
        dropout = new ParallelDropout(config.SeqClassifDropout);
        RegisterComponents();
    }

    /// <summary>The config (with the head's labels).</summary>
    public DistilBertConfig Config { get; }
    PretrainedConfig ITaskModel.Config => Config;
    nn.Module ITaskModel.Module => this;

    /// <inheritdoc/>
    public ModelTask Task => ModelTask.SequenceClassification;

    /// <inheritdoc/>
    public int NumLabels { get; }

    /// <inheritdoc/>
    public ProblemType ProblemType { get; }

    /// <summary>The encoder (<c>distilbert.*</c>).</summary>
    public DistilBertModel DistilBert => distilbert;

    /// <inheritdoc/>
    public Embedding InputEmbeddings => distilbert.WordEmbeddings;

    /// <inheritdoc/>
    public bool GradientCheckpointing { get => distilbert.GradientCheckpointing; set => distilbert.GradientCheckpointing = value; }

    /// <summary>Logits [B, NumLabels] (float32); DistilBERT has no segments, so <paramref name="tokenTypeIds"/> is ignored.</summary>
    public Tensor Forward(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds) =>
        Classify(((IBackbone)distilbert).Forward(inputIds, null, attentionMask, null));

    /// <inheritdoc/>
    public Tensor ForwardEmbeddings(Tensor inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds) =>
        Classify(((IBackbone)distilbert).Forward(null, inputsEmbeds, attentionMask, null));

    private Tensor Classify(BackboneOutput output)
    {
        using var scope = NewDisposeScope();
        using (output)
        {
            var pooled = nn.functional.relu(pre_classifier.call(output.LastHiddenState.select(1, 0)));
            return classifier.call(dropout.call(pooled)).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
        }
    }

    /// <summary>config.json (architectures ["DistilBertForSequenceClassification"], labels) and model.safetensors.</summary>
    public void SavePretrained(string dir) => PretrainedFiles.Save(this, Config, ArchitectureName, dir);
}
