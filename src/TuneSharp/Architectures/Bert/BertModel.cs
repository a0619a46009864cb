using TorchSharp.Modules;
using TorchSharp;
using TuneSharp.Checkpoints;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Architectures.Bert;

/// <summary>Outputs of <see cref="BertModel"/>. Dispose them (or let a dispose scope do it).</summary>
/// <param name="LastHiddenState">[B, T, hidden] hidden state of every token after the last layer.</param>
/// <param name="PoolerOutput">[B, hidden] tanh(dense(CLS hidden state)); null when the model has no pooler.</param>
public sealed record BertModelOutput(Tensor LastHiddenState, Tensor? PoolerOutput) : IDisposable
{
    public void Dispose()
    {
        LastHiddenState.Dispose();
        PoolerOutput?.Dispose();
    }
}

/// <summary>
/// The BERT encoder as Hugging Face's <c>BertModel</c>: embeddings → N post-LayerNorm transformer layers → pooler.
/// Submodule fields are named exactly like HF's attributes (they become the state_dict keys), so
/// <c>state_dict()</c> has the same keys as an HF checkpoint: <c>embeddings.word_embeddings.weight</c>,
/// <c>encoder.layer.0.attention.self.query.weight</c>, ..., <c>pooler.dense.bias</c>.
/// </summary>
public sealed class BertModel : nn.Module, IBackbone
{
    // HF attribute names, on purpose (they are the parameter names); hence the snake_case fields.
    private readonly BertEmbeddings embeddings;
    private readonly EncoderLayerStack<BertLayer> encoder;
    private readonly BertPooler? pooler;

    /// <summary>Builds a randomly initialised model (load weights with <see cref="FromPretrained"/> or a StateDictLoader).</summary>
    public BertModel(BertConfig config, bool addPoolingLayer = true) : base(nameof(BertModel))
    {
        Config = config;
        embeddings = new BertEmbeddings(config);
        encoder = BertLayer.Stack(config);
        pooler = addPoolingLayer ? new BertPooler(config) : null;
        RegisterComponents();
    }

    public BertConfig Config { get; }

    /// <summary>
    /// Recompute each encoder layer in the backward pass instead of keeping its activations (transformers'
    /// gradient_checkpointing): less memory for long sequences, one extra forward per step. Only in training mode with gradients.
    /// </summary>
    public bool GradientCheckpointing { get => encoder.GradientCheckpointing; set => encoder.GradientCheckpointing = value; }

    /// <summary>
    /// Encodes a batch. <paramref name="inputIds"/> [B, T] (int64); <paramref name="attentionMask"/> [B, T] 1 for real
    /// tokens, 0 for padding (default all ones); <paramref name="tokenTypeIds"/> [B, T] segment ids (default 0);
    /// <paramref name="positionIds"/> [B, T] (default: counted from each row's first real token, see remarks).
    /// </summary>
    /// <remarks>
    /// Default positions: for unpadded and right-padded input they are 0..T-1 exactly as in HF (padding included).
    /// HF would also give left-padded rows 0..T-1, shifting every real token's position; we instead count real
    /// tokens from 0 (<see cref="AttentionMasks.PositionIdsFromMask"/>), keeping pads at their plain index, so
    /// the padding side does not change results. Pass <paramref name="positionIds"/> to override.
    /// </remarks>
    public BertModelOutput forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null, Tensor? positionIds = null) =>
        Encode(inputIds, null, attentionMask, tokenTypeIds, positionIds);

    /// <summary>
    /// Encodes a batch given as word embeddings [B, T, hidden] instead of ids (transformers' <c>inputs_embeds</c>):
    /// position and token-type embeddings are added to them, then LayerNorm and dropout, as for ids. Used by prompt
    /// tuning, whose virtual tokens have no ids. Masks, token types and positions as in <see cref="forward"/>.
    /// </summary>
    public BertModelOutput ForwardEmbeddings(Tensor inputsEmbeds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null, Tensor? positionIds = null) =>
        Encode(null, inputsEmbeds, attentionMask, tokenTypeIds, positionIds);

    /// <summary>The word embedding table (<c>embeddings.word_embeddings</c>), [vocab, hidden].</summary>
    public Embedding WordEmbeddings => embeddings.WordEmbeddings;

    nn.Module IBackbone.Module => this;

    BackboneOutput IBackbone.Forward(Tensor? inputIds, Tensor? inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds)
    {
        var output = Encode(inputIds, inputsEmbeds, attentionMask, tokenTypeIds, null);
        return new BackboneOutput(output.LastHiddenState, output.PoolerOutput);
    }

    // Exactly one of inputIds / inputsEmbeds is set.
    private BertModelOutput Encode(Tensor? inputIds, Tensor? inputsEmbeds, Tensor? attentionMask, Tensor? tokenTypeIds, Tensor? positionIds)
    {
        using var scope = NewDisposeScope();
        var shape = (inputIds ?? inputsEmbeds!).shape;
        var (batch, length) = (shape[0], shape[1]);
        if (length > Config.MaxPositionEmbeddings)
            throw new ArgumentException($"The input has {length} tokens but this BERT has only {Config.MaxPositionEmbeddings} position embeddings (max_position_embeddings); truncate the input.");
        var device = (inputIds ?? inputsEmbeds!).device;
        tokenTypeIds ??= zeros(batch, length, dtype: ScalarType.Int64, device: device);
        positionIds ??= AttentionMasks.EncoderPositionIds(attentionMask, batch, length, device);

        var hidden = embeddings.forward(inputIds, inputsEmbeds, tokenTypeIds, positionIds);
        var additiveMask = attentionMask is null ? null : AttentionMasks.Padding(attentionMask.to(device), hidden.dtype);
        hidden = encoder.forward(hidden, additiveMask);
        var pooled = pooler?.call(hidden);
        return new BertModelOutput(hidden.MoveToOuterDisposeScope(), pooled?.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Loads config.json and the safetensors weights of a HF model folder. Accepts bare (<c>embeddings.*</c>)
    /// and prefixed (<c>bert.*</c>, as in BertFor... checkpoints) names. The report lists missing, unexpected
    /// and mis-shaped tensors; the caller decides whether they matter.
    /// </summary>
    public static (BertModel Model, LoadReport Report) FromPretrained(string modelDir, ScalarType? dtype = null)
    {
        TorchRuntime.EnsureLoaded();
        var config = PretrainedConfig.Load<BertConfig>(modelDir);
        var model = new BertModel(config);
        var report = PretrainedWeights.LoadInto(model, modelDir, dtype, new StateDictLoadOptions
        {
            BaseModelPrefix = BertArchitecture.Registration.BaseModelPrefix,
            IgnoreUnexpected = BertArchitecture.Registration.IgnoreOnLoad,
        });
        return (model, report);
    }

    /// <summary>Writes config.json and model.safetensors (HF names) into <paramref name="dir"/>.</summary>
    public void SavePretrained(string dir)
    {
        Config.Save(dir);
        ModelWeights.Save(dir, state_dict());
    }
}

/// <summary>Word + position + token-type embeddings, then LayerNorm and dropout.</summary>
internal sealed class BertEmbeddings : nn.Module
{
    private readonly Embedding word_embeddings;
    private readonly Embedding position_embeddings;
    private readonly Embedding token_type_embeddings;
    private readonly LayerNorm LayerNorm;
    private readonly ParallelDropout dropout;

    /// <param name="config">Sizes, padding id, LayerNorm eps and dropout.</param>
    /// <param name="positionPaddingIdx">The position row that gets no gradient (RoBERTa gives padding this position); null for BERT.</param>
    /// <param name="width">Embedding width when it is not hidden_size (ELECTRA's embedding_size); null for hidden_size.</param>
    public BertEmbeddings(BertConfig config, long? positionPaddingIdx = null, int? width = null) : base(nameof(BertEmbeddings))
    {
        var size = width ?? config.HiddenSize;
        word_embeddings = nn.Embedding(config.VocabSize, size, padding_idx: config.PadTokenId);
        position_embeddings = positionPaddingIdx is { } p
            ? nn.Embedding(config.MaxPositionEmbeddings, size, padding_idx: p)
            : nn.Embedding(config.MaxPositionEmbeddings, size);
        token_type_embeddings = nn.Embedding(config.TypeVocabSize, size);
        LayerNorm = nn.LayerNorm(size, eps: config.LayerNormEps);
        dropout = new ParallelDropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    /// <summary>The word embedding table.</summary>
    public Embedding WordEmbeddings => word_embeddings;

    /// <summary>Embeds <paramref name="inputIds"/>, or takes <paramref name="inputsEmbeds"/> as the word embeddings, then adds positions and token types.</summary>
    public Tensor forward(Tensor? inputIds, Tensor? inputsEmbeds, Tensor tokenTypeIds, Tensor positionIds)
    {
        using var scope = NewDisposeScope();
        // Same additions in the same order for both inputs, so embeddings of ids give bit-identical results.
        var words = inputsEmbeds ?? word_embeddings.call(inputIds!);
        var sum = words + token_type_embeddings.call(tokenTypeIds) + position_embeddings.call(positionIds);
        return dropout.call(LayerNorm.call(sum)).MoveToOuterDisposeScope();
    }
}

/// <summary>transformers' BertLayer: self-attention block, intermediate, output block (each with its residual LayerNorm).</summary>
internal sealed class BertLayer : nn.Module, IMaskedLayer
{
    /// <summary>BERT's encoder (<c>encoder.layer.N</c>), which RoBERTa and ELECTRA reuse.</summary>
    public static EncoderLayerStack<BertLayer> Stack(BertConfig config) => new(config.NumHiddenLayers, _ => new BertLayer(config));

    private readonly BertAttention attention;
    private readonly BertIntermediate intermediate;
    private readonly BertResidualBlock output;

    public BertLayer(BertConfig config) : base(nameof(BertLayer))
    {
        attention = new BertAttention(config);
        intermediate = new BertIntermediate(config);
        output = new BertResidualBlock(config.IntermediateSize, config.HiddenSize, config);
        RegisterComponents();
    }

    public Tensor forward(Tensor hidden, Tensor? additiveMask)
    {
        using var scope = NewDisposeScope();
        var attended = attention.forward(hidden, additiveMask);
        return output.forward(intermediate.call(attended), attended).MoveToOuterDisposeScope();
    }
}

internal sealed class BertAttention : nn.Module
{
    private readonly BertSelfAttention self;
    private readonly BertResidualBlock output;

    public BertAttention(BertConfig config) : base(nameof(BertAttention))
    {
        self = new BertSelfAttention(config);
        output = new BertResidualBlock(config.HiddenSize, config.HiddenSize, config);
        RegisterComponents();
    }

    public Tensor forward(Tensor hidden, Tensor? additiveMask)
    {
        using var scope = NewDisposeScope();
        return output.forward(self.forward(hidden, additiveMask), hidden).MoveToOuterDisposeScope();
    }
}

/// <summary>Multi-head scaled dot-product self-attention (bidirectional; padding masked additively).</summary>
internal sealed class BertSelfAttention : nn.Module
{
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly int heads;
    private readonly int headDim;
    private readonly double attentionDropout;

    public BertSelfAttention(BertConfig config) : base(nameof(BertSelfAttention))
    {
        query = nn.Linear(config.HiddenSize, config.HiddenSize);
        key = nn.Linear(config.HiddenSize, config.HiddenSize);
        value = nn.Linear(config.HiddenSize, config.HiddenSize);
        heads = config.NumAttentionHeads;
        headDim = config.HeadDim;
        attentionDropout = config.AttentionProbsDropoutProb;
        RegisterComponents();
    }

    public Tensor forward(Tensor hidden, Tensor? additiveMask)
    {
        using var scope = NewDisposeScope();
        var (batch, length) = (hidden.shape[0], hidden.shape[1]);
        Tensor SplitHeads(Tensor x) => x.view(batch, length, heads, headDim).transpose(1, 2); // [B, H, T, D]
        var q = SplitHeads(query.call(hidden));
        var k = SplitHeads(key.call(hidden));
        var v = SplitHeads(value.call(hidden));
        // softmax(q·kᵀ/√d + mask)·v; dropout on the attention probabilities only while training (HF's attention dropout).
        var context = Attention.ScaledDotProduct(q, k, v, additiveMask, training ? attentionDropout : 0.0);
        return context.transpose(1, 2).reshape(batch, length, heads * headDim).MoveToOuterDisposeScope();
    }
}

/// <summary>dense → dropout → LayerNorm(x + residual): HF's BertSelfOutput and BertOutput (same shape of block).</summary>
internal sealed class BertResidualBlock : nn.Module
{
    private readonly Linear dense;
    private readonly LayerNorm LayerNorm;
    private readonly ParallelDropout dropout;

    public BertResidualBlock(int inFeatures, int outFeatures, BertConfig config)
        : this(inFeatures, outFeatures, config.LayerNormEps, config.HiddenDropoutProb)
    {
    }

    /// <summary>The same block for configs that are not BERT's (DeBERTa-v2's SelfOutput and Output have this shape and these names).</summary>
    public BertResidualBlock(int inFeatures, int outFeatures, double layerNormEps, double dropoutProbability) : base(nameof(BertResidualBlock))
    {
        dense = nn.Linear(inFeatures, outFeatures);
        LayerNorm = nn.LayerNorm(outFeatures, eps: layerNormEps);
        dropout = new ParallelDropout(dropoutProbability);
        RegisterComponents();
    }

    public Tensor forward(Tensor input, Tensor residual)
    {
        using var scope = NewDisposeScope();
        return LayerNorm.call(dropout.call(dense.call(input)) + residual).MoveToOuterDisposeScope();
    }
}

/// <summary>dense to intermediate size, then the configured activation (erf GELU for BERT).</summary>
internal sealed class BertIntermediate : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly string activation;

    public BertIntermediate(BertConfig config) : this(config.HiddenSize, config.IntermediateSize, config.HiddenAct)
    {
    }

    /// <summary>The same block for configs that are not BERT's (DeBERTa-v2's Intermediate is BERT's).</summary>
    public BertIntermediate(int hiddenSize, int intermediateSize, string activation) : base(nameof(BertIntermediate))
    {
        dense = nn.Linear(hiddenSize, intermediateSize);
        this.activation = activation;
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return Activations.Apply(activation, dense.call(hidden)).MoveToOuterDisposeScope();
    }
}

/// <summary>tanh(dense(hidden state of the first token)), HF's BertPooler.</summary>
internal sealed class BertPooler : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;

    public BertPooler(BertConfig config) : base(nameof(BertPooler))
    {
        dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return dense.call(hidden.select(1, 0)).tanh().MoveToOuterDisposeScope();
    }
}
