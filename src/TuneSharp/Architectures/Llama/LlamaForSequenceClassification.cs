using TorchSharp.Modules;
using TorchSharp;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using static TorchSharp.torch;

namespace TuneSharp.Architectures.Llama;

/// <summary>
/// A Llama decoder with a bias-free linear head on the hidden state of each row's last real token, as transformers'
/// <c>LlamaForSequenceClassification</c>. Parameter names are HF's: <c>model.embed_tokens.weight</c>,
/// <c>model.layers.N.*</c>, <c>model.norm.weight</c>, <c>score.weight</c> (no lm_head).
/// </summary>
/// <remarks>The last token comes from the attention mask, not pad_token_id; see <see cref="LastTokenPooling"/> for why.</remarks>
public sealed class LlamaForSequenceClassification : nn.Module, ISequenceClassifier
{
    /// <summary>The transformers class name written to config.json's architectures.</summary>
    public const string ArchitectureName = "LlamaForSequenceClassification";

    // HF attribute names (they become the state_dict keys).
    private readonly LlamaModel model;
    private readonly Linear score;

    /// <summary>
    /// Builds the model from a config whose id2label / problem_type describe the head (see
    /// <see cref="SequenceClassificationConfig.Apply"/>); the decoder is random until weights are loaded.
    /// <c>score.weight</c> ~ Normal(0, initializer_range), as transformers initialises it.
    /// </summary>
    public LlamaForSequenceClassification(LlamaConfig config) : base(ArchitectureName)
    {
        Config = config;
        NumLabels = SequenceClassificationConfig.NumLabels(config);
        ProblemType = SequenceClassificationConfig.ProblemTypeOf(config);
        model = new LlamaModel(config);
        score = nn.Linear(config.HiddenSize, NumLabels, hasBias: false);
        HeadInitialization.InitLinear(score, config.InitializerRange);
        RegisterComponents();
    }

    public LlamaConfig Config { get; }
    PretrainedConfig ITaskModel.Config => Config;
    nn.Module ITaskModel.Module => this;

    /// <inheritdoc/>
    public ModelTask Task => ModelTask.SequenceClassification;

    public int NumLabels { get; }
    public ProblemType ProblemType { get; }

    /// <summary>The decoder stack (<c>model.*</c>).</summary>
    public LlamaModel Model => model;

    /// <summary>The head (<c>score.weight</c>, [NumLabels, hidden]).</summary>
    public Linear Score => score;

    /// <summary>
    /// Logits [B, NumLabels] (float32) from the last real token of each row (by <paramref name="attentionMask"/>;
    /// the last column when it is null). Llama has no segments, so <paramref name="tokenTypeIds"/> is ignored.
    /// </summary>
    public Tensor forward(Tensor inputIds, Tensor? attentionMask, Tensor? tokenTypeIds = null)
    {
        using var scope = NewDisposeScope();
        return Classify(model.forward(inputIds, attentionMask), attentionMask).MoveToOuterDisposeScope();
    }

    /// <inheritdoc cref="forward"/>
    public Tensor Forward(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds) => forward(inputIds, attentionMask, tokenTypeIds);

    /// <summary>The token embeddings (<c>model.embed_tokens</c>).</summary>
    public Embedding InputEmbeddings => model.EmbedTokens;

    /// <inheritdoc/>
    public bool GradientCheckpointing { get => model.GradientCheckpointing; set => model.GradientCheckpointing = value; }

    /// <inheritdoc/>
    public Tensor ForwardEmbeddings(Tensor inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        return Classify(model.ForwardEmbeddings(inputsEmbeds, attentionMask), attentionMask).MoveToOuterDisposeScope();
    }

    // Pool first, then project: the same numbers as HF's score-every-token-then-gather, without [B, T, L] logits.
    private Tensor Classify(Tensor hidden, Tensor? attentionMask) =>
        score.call(LastTokenPooling.Pool(hidden, attentionMask)).to_type(ScalarType.Float32);

    /// <summary>config.json (architectures ["LlamaForSequenceClassification"], id2label, label2id, problem_type) and model.safetensors.</summary>
    public void SavePretrained(string dir) => ClassifierFiles.Save(this, Config, ArchitectureName, dir);
}
