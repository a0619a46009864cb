using TorchSharp;
using TorchSharp.Modules;
using TuneSharp.Checkpoints;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Architectures.DistilBert;

/// <summary>
/// The DistilBERT encoder as transformers' <c>DistilBertModel</c>: word + learned position embeddings (no token types)
/// → LayerNorm → dropout, then post-LayerNorm blocks: x = sa_layer_norm(x + out_lin(attention(x))); x =
/// output_layer_norm(x + dropout(lin2(act(lin1(x))))). No pooler. Field names are transformers' attributes, so the
/// state_dict keys are the checkpoint's: <c>embeddings.word_embeddings.weight</c>,
/// <c>transformer.layer.N.attention.q_lin.weight</c>, <c>transformer.layer.N.ffn.lin1.weight</c>, ...
/// </summary>
public sealed class DistilBertModel : nn.Module, IBackbone
{
    // transformers' attribute names (they are the parameter names), hence the snake_case fields.
    private readonly DistilBertEmbeddings embeddings;
    private readonly EncoderLayerStack<DistilBertBlock> transformer;

    /// <summary>A randomly initialised encoder (load weights with <see cref="FromPretrained"/> or through a task model).</summary>
    public DistilBertModel(DistilBertConfig config) : base(nameof(DistilBertModel))
    {
        Config = config;
        embeddings = new DistilBertEmbeddings(config);
        transformer = new EncoderLayerStack<DistilBertBlock>(config.NumHiddenLayers, _ => new DistilBertBlock(config));
        RegisterComponents();
    }

    /// <summary>The config the encoder was built from.</summary>
    public DistilBertConfig Config { get; }

    /// <inheritdoc/>
    public bool GradientCheckpointing { get => transformer.GradientCheckpointing; set => transformer.GradientCheckpointing = value; }

    /// <inheritdoc/>
    public Embedding WordEmbeddings => embeddings.WordEmbeddings;

    nn.Module IBackbone.Module => this;

    /// <summary>Last hidden state [B, T, dim] of <paramref name="inputIds"/> [B, T]; <paramref name="attentionMask"/> 1 for real tokens (default all ones).</summary>
    public Tensor forward(Tensor inputIds, Tensor? attentionMask = null) => Encode(inputIds, null, attentionMask);

    /// <summary>DistilBERT has no segments: <paramref name="tokenTypeIds"/> is ignored, as transformers' DistilBertModel takes none.</summary>
    BackboneOutput IBackbone.Forward(Tensor? inputIds, Tensor? inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds) =>
        new(Encode(inputIds, inputsEmbeds, attentionMask), null);

    /// <summary>Loads config.json and the safetensors weights of a model folder, bare or under <c>distilbert.</c>.</summary>
    public static (DistilBertModel Model, LoadReport Report) FromPretrained(string modelDir, ScalarType? dtype = null)
    {
        TorchRuntime.EnsureLoaded();
        var config = PretrainedConfig.Load<DistilBertConfig>(modelDir);
        var model = new DistilBertModel(config);
        var registration = DistilBertArchitecture.Registration;
        var report = PretrainedWeights.LoadInto(model, modelDir, dtype, new StateDictLoadOptions
        {
            BaseModelPrefix = registration.BaseModelPrefix, IgnoreUnexpected = registration.IgnoreOnLoad,
        });
        return (model, report);
    }

    // Exactly one of inputIds / inputsEmbeds is set.
    private Tensor Encode(Tensor? inputIds, Tensor? inputsEmbeds, Tensor? attentionMask)
    {
        using var scope = NewDisposeScope();
        var shape = (inputIds ?? inputsEmbeds!).shape;
        var (batch, length) = (shape[0], shape[1]);
        if (length > Config.MaxPositionEmbeddings)
            throw new ArgumentException($"The input has {length} tokens but this DistilBERT has only {Config.MaxPositionEmbeddings} position embeddings (max_position_embeddings); truncate the input.");
        var device = (inputIds ?? inputsEmbeds!).device;
        var positions = AttentionMasks.EncoderPositionIds(attentionMask, batch, length, device);
        var hidden = embeddings.forward(inputIds, inputsEmbeds, positions);
        var additiveMask = attentionMask is null ? null : AttentionMasks.Padding(attentionMask.to(device), hidden.dtype);
        return transformer.forward(hidden, additiveMask).MoveToOuterDisposeScope();
    }
}

/// <summary>Word + position embeddings, LayerNorm, dropout.</summary>
internal sealed class DistilBertEmbeddings : nn.Module
{
    private readonly Embedding word_embeddings;
    private readonly Embedding position_embeddings;
    private readonly LayerNorm LayerNorm;
    private readonly ParallelDropout dropout;

    public DistilBertEmbeddings(DistilBertConfig config) : base(nameof(DistilBertEmbeddings))
    {
        word_embeddings = nn.Embedding(config.VocabSize, config.HiddenSize, padding_idx: config.PadTokenId);
        position_embeddings = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        // transformers' DistilBERT fixes this eps for every checkpoint; it is not a config field.
        LayerNorm = nn.LayerNorm(config.HiddenSize, eps: 1e-12);
        dropout = new ParallelDropout(config.Dropout);
        RegisterComponents();
    }

    public Embedding WordEmbeddings => word_embeddings;

    public Tensor forward(Tensor? inputIds, Tensor? inputsEmbeds, Tensor positionIds)
    {
        using var scope = NewDisposeScope();
        var words = inputsEmbeds ?? word_embeddings.call(inputIds!);
        return dropout.call(LayerNorm.call(words + position_embeddings.call(positionIds))).MoveToOuterDisposeScope();
    }
}

/// <summary>transformers' TransformerBlock: attention, sa_layer_norm, ffn, output_layer_norm.</summary>
internal sealed class DistilBertBlock : nn.Module, IMaskedLayer
{
    private readonly DistilBertSelfAttention attention;
    private readonly LayerNorm sa_layer_norm;
    private readonly DistilBertFeedForward ffn;
    private readonly LayerNorm output_layer_norm;

    public DistilBertBlock(DistilBertConfig config) : base(nameof(DistilBertBlock))
    {
        attention = new DistilBertSelfAttention(config);
        sa_layer_norm = nn.LayerNorm(config.HiddenSize, eps: 1e-12);
        ffn = new DistilBertFeedForward(config);
        output_layer_norm = nn.LayerNorm(config.HiddenSize, eps: 1e-12);
        RegisterComponents();
    }

    public Tensor forward(Tensor hidden, Tensor? additiveMask)
    {
        using var scope = NewDisposeScope();
        var attended = sa_layer_norm.call(attention.forward(hidden, additiveMask) + hidden);
        return output_layer_norm.call(ffn.call(attended) + attended).MoveToOuterDisposeScope();
    }
}

/// <summary>q_lin, k_lin, v_lin, softmax attention (dropout on the probabilities while training), out_lin; no dropout after out_lin.</summary>
internal sealed class DistilBertSelfAttention : nn.Module
{
    private readonly Linear q_lin;
    private readonly Linear k_lin;
    private readonly Linear v_lin;
    private readonly Linear out_lin;
    private readonly int heads;
    private readonly int headDim;
    private readonly double attentionDropout;

    public DistilBertSelfAttention(DistilBertConfig config) : base(nameof(DistilBertSelfAttention))
    {
        q_lin = nn.Linear(config.HiddenSize, config.HiddenSize);
        k_lin = nn.Linear(config.HiddenSize, config.HiddenSize);
        v_lin = nn.Linear(config.HiddenSize, config.HiddenSize);
        out_lin = nn.Linear(config.HiddenSize, config.HiddenSize);
        heads = config.NumAttentionHeads;
        headDim = config.HeadDim;
        attentionDropout = config.AttentionDropout;
        RegisterComponents();
    }

    public Tensor forward(Tensor hidden, Tensor? additiveMask)
    {
        using var scope = NewDisposeScope();
        var (batch, length) = (hidden.shape[0], hidden.shape[1]);
        Tensor SplitHeads(Tensor x) => x.view(batch, length, heads, headDim).transpose(1, 2);
        var context = Attention.ScaledDotProduct(SplitHeads(q_lin.call(hidden)), SplitHeads(k_lin.call(hidden)), SplitHeads(v_lin.call(hidden)),
            additiveMask, training ? attentionDropout : 0.0);
        return out_lin.call(context.transpose(1, 2).reshape(batch, length, heads * headDim)).MoveToOuterDisposeScope();
    }
}

/// <summary>lin1 → activation → lin2 → dropout (transformers' FFN).</summary>
internal sealed class DistilBertFeedForward : nn.Module<Tensor, Tensor>
{
    private readonly Linear lin1;
    private readonly Linear lin2;
    private readonly ParallelDropout dropout;
    private readonly string activation;

    public DistilBertFeedForward(DistilBertConfig config) : base(nameof(DistilBertFeedForward))
    {
        dropout = new ParallelDropout(config.Dropout);
        lin1 = nn.Linear(config.HiddenSize, config.HiddenDim);
        lin2 = nn.Linear(config.HiddenDim, config.HiddenSize);
        activation = config.Activation;
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return dropout.call(lin2.call(Activations.Apply(activation, lin1.call(hidden)))).MoveToOuterDisposeScope();
    }
}
