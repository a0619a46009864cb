using TorchSharp.Modules;
using TorchSharp;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using static TorchSharp.torch;

namespace TuneSharp.Architectures.Bert;

/// <summary>
/// BERT with a linear head on the pooled [CLS] output, as transformers' <c>BertForSequenceClassification</c>:
/// logits = classifier(dropout(pooler_output)). Parameter names are HF's: <c>bert.embeddings.*</c>,
/// <c>bert.encoder.layer.N.*</c>, <c>bert.pooler.dense.*</c>, <c>classifier.weight</c>, <c>classifier.bias</c>.
/// </summary>
public sealed class BertForSequenceClassification : nn.Module, ISequenceClassifier
{
    /// <summary>The transformers class name written to config.json's architectures.</summary>
    public const string ArchitectureName = "BertForSequenceClassification";

    // HF attribute names (they become the state_dict keys).
    private readonly BertModel bert;
    private readonly ParallelDropout dropout;
    private readonly Linear classifier;

    /// <summary>
    /// Builds the model from a config whose id2label / problem_type describe the head (see
    /// <see cref="SequenceClassificationConfig.Apply"/>); the encoder is random until weights are loaded.
    /// The head is initialised as transformers initialises new heads: weight ~ Normal(0, initializer_range), bias 0.
    /// </summary>
    public BertForSequenceClassification(BertConfig config) : base(ArchitectureName)
    {
        Config = config;
        NumLabels = SequenceClassificationConfig.NumLabels(config);
        ProblemType = SequenceClassificationConfig.ProblemTypeOf(config);
        bert = new BertModel(config, addPoolingLayer: true);
        dropout = new ParallelDropout(SequenceClassificationConfig.ClassifierDropout(config) ?? config.HiddenDropoutProb);
        classifier = nn.Linear(config.HiddenSize, NumLabels);
        HeadInitialization.InitLinear(classifier, config.InitializerRange);
        RegisterComponents();
    }

    public BertConfig Config { get; }
    PretrainedConfig ITaskModel.Config => Config;
    nn.Module ITaskModel.Module => this;

    /// <inheritdoc/>
    public ModelTask Task => ModelTask.SequenceClassification;

    public int NumLabels { get; }
    public ProblemType ProblemType { get; }

    /// <summary>The encoder (<c>bert.*</c>).</summary>
    public BertModel Bert => bert;

    /// <summary>The head (<c>classifier.*</c>), [NumLabels, hidden] weight and [NumLabels] bias.</summary>
    public Linear Classifier => classifier;

    /// <summary>Logits [B, NumLabels] (float32); see <see cref="ISequenceClassifier.Forward"/>.</summary>
    public Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds = null)
    {
        using var scope = NewDisposeScope();
        using var output = bert.forward(inputIds, attentionMask, tokenTypeIds);
        return Classify(output).MoveToOuterDisposeScope();
    }

    /// <inheritdoc cref="forward"/>
    public Tensor Forward(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds) => forward(inputIds, attentionMask, tokenTypeIds);

    /// <summary>The word embeddings (<c>bert.embeddings.word_embeddings</c>).</summary>
    public Embedding InputEmbeddings => bert.WordEmbeddings;

    /// <inheritdoc/>
    public bool GradientCheckpointing { get => bert.GradientCheckpointing; set => bert.GradientCheckpointing = value; }

    /// <inheritdoc/>
    public Tensor ForwardEmbeddings(Tensor inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        using var output = bert.ForwardEmbeddings(inputsEmbeds, attentionMask, tokenTypeIds);
        return Classify(output).MoveToOuterDisposeScope();
    }

    private Tensor Classify(BertModelOutput output) =>
        classifier.call(dropout.call(output.PoolerOutput!)).to_type(ScalarType.Float32);

    /// <summary>config.json (architectures ["BertForSequenceClassification"], id2label, label2id, problem_type) and model.safetensors.</summary>
    public void SavePretrained(string dir) => PretrainedFiles.Save(this, Config, ArchitectureName, dir);
}
