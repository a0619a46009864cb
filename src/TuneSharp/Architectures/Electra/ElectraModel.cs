using TorchSharp;
using TorchSharp.Modules;
using TuneSharp.Architectures.Bert;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Architectures.Electra;

/// <summary>
/// The ELECTRA discriminator encoder as transformers' <c>ElectraModel</c>: BERT's embeddings at <c>embedding_size</c>,
/// an <c>embeddings_project</c> Linear to hidden_size when the two differ, then BERT's post-LayerNorm layers
/// (<c>encoder.layer.N.*</c>, same names) and no pooler. Positions and token types as BERT's.
/// </summary>
public sealed class ElectraModel : nn.Module, IBackbone
{
    // transformers' attribute names (they are the state_dict keys), hence the snake_case fields.
    private readonly BertEmbeddings embeddings;
    private readonly Linear? embeddings_project;
    private readonly EncoderLayerStack<BertLayer> encoder;

    /// <summary>A randomly initialised encoder.</summary>
    public ElectraModel(ElectraConfig config) : base(nameof(ElectraModel))
    {
        Config = config;
        embeddings = new BertEmbeddings(config, width: config.EmbeddingSize);
        embeddings_project = config.EmbeddingSize != config.HiddenSize ? nn.Linear(config.EmbeddingSize, config.HiddenSize) : null;
        encoder = BertLayer.Stack(config);
        RegisterComponents();
    }

    /// <summary>The config the encoder was built from.</summary>
    public ElectraConfig Config { get; }

    /// <inheritdoc/>
    public bool GradientCheckpointing { get => encoder.GradientCheckpointing; set => encoder.GradientCheckpointing = value; }

    /// <inheritdoc/>
    public Embedding WordEmbeddings => embeddings.WordEmbeddings;

    nn.Module IBackbone.Module => this;

    /// <summary>Last hidden state [B, T, hidden]; masks, token types and positions as <see cref="BertModel.forward"/>.</summary>
    public Tensor forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null) => Encode(inputIds, null, attentionMask, tokenTypeIds);

    BackboneOutput IBackbone.Forward(Tensor? inputIds, Tensor? inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds) =>
        new(Encode(inputIds, inputsEmbeds, attentionMask, tokenTypeIds), null);

    private Tensor Encode(Tensor? inputIds, Tensor? inputsEmbeds, Tensor? attentionMask, Tensor? tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        var shape = (inputIds ?? inputsEmbeds!).shape;
        var (batch, length) = (shape[0], shape[1]);
        if (length > Config.MaxPositionEmbeddings)
            throw new ArgumentException($"The input has {length} tokens but this ELECTRA has only {Config.MaxPositionEmbeddings} position embeddings (max_position_embeddings); truncate the input.");
        var device = (inputIds ?? inputsEmbeds!).device;
        tokenTypeIds ??= zeros(batch, length, dtype: ScalarType.Int64, device: device);
        var positions = AttentionMasks.EncoderPositionIds(attentionMask, batch, length, device);
        var hidden = embeddings.forward(inputIds, inputsEmbeds, tokenTypeIds, positions);
        if (embeddings_project is not null) hidden = embeddings_project.call(hidden);
        var additiveMask = attentionMask is null ? null : AttentionMasks.Padding(attentionMask.to(device), hidden.dtype);
        return encoder.forward(hidden, additiveMask).MoveToOuterDisposeScope();
    }
}
