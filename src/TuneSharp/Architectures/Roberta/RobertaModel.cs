using TorchSharp;
using TorchSharp.Modules;
using TuneSharp.Architectures.Bert;
using TuneSharp.Checkpoints;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Architectures.Roberta;

/// <summary>
/// The RoBERTa encoder as transformers' <c>RobertaModel</c> (also XLM-RoBERTa's and CamemBERT's): BERT's embeddings,
/// post-LayerNorm layers and pooler with the same weight names (<c>embeddings.*</c>, <c>encoder.layer.N.*</c>,
/// <c>pooler.dense.*</c>), built from BERT's modules. What differs is the numbering of positions: real tokens count
/// from <c>pad_token_id + 1</c> and padding takes position <c>pad_token_id</c>, a row that gets no gradient.
/// </summary>
public sealed class RobertaModel : nn.Module, IBackbone
{
    // transformers' attribute names (they are the state_dict keys), hence the snake_case fields.
    private readonly BertEmbeddings embeddings;
    private readonly EncoderLayerStack<BertLayer> encoder;
    private readonly BertPooler? pooler;

    /// <summary>A randomly initialised encoder; <paramref name="addPoolingLayer"/> adds the pooler (task models other than base ones drop it, as transformers does).</summary>
    public RobertaModel(RobertaConfig config, bool addPoolingLayer = true) : base(nameof(RobertaModel))
    {
        Config = config;
        embeddings = new BertEmbeddings(config, positionPaddingIdx: config.PadTokenId);
        encoder = BertLayer.Stack(config);
        pooler = addPoolingLayer ? new BertPooler(config) : null;
        RegisterComponents();
    }

    /// <summary>The config the encoder was built from.</summary>
    public RobertaConfig Config { get; }

    /// <inheritdoc/>
    public bool GradientCheckpointing { get => encoder.GradientCheckpointing; set => encoder.GradientCheckpointing = value; }

    /// <inheritdoc/>
    public Embedding WordEmbeddings => embeddings.WordEmbeddings;

    nn.Module IBackbone.Module => this;

    /// <summary>
    /// Encodes a batch: <paramref name="inputIds"/> [B, T] (int64), <paramref name="attentionMask"/> [B, T] 1 for real
    /// tokens (default all ones), <paramref name="tokenTypeIds"/> [B, T] (default 0; RoBERTa checkpoints have one type).
    /// </summary>
    public BertModelOutput forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null) =>
        Encode(inputIds, null, attentionMask, tokenTypeIds);

    BackboneOutput IBackbone.Forward(Tensor? inputIds, Tensor? inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds)
    {
        var output = Encode(inputIds, inputsEmbeds, attentionMask, tokenTypeIds);
        return new BackboneOutput(output.LastHiddenState, output.PoolerOutput);
    }

    /// <summary>
    /// Loads config.json and the safetensors weights of a model folder (model_type roberta, xlm-roberta or camembert),
    /// with bare (<c>embeddings.*</c>) or prefixed (<c>roberta.*</c>, as task checkpoints name them) weights. The report
    /// lists missing, unexpected and mis-shaped tensors; the caller decides whether they matter.
    /// </summary>
    public static (RobertaModel Model, LoadReport Report) FromPretrained(string modelDir, ScalarType? dtype = null)
    {
        TorchRuntime.EnsureLoaded();
        var config = PretrainedConfig.Load<RobertaConfig>(modelDir);
        var model = new RobertaModel(config);
        var registration = ModelArchitectures.For(config);
        var report = PretrainedWeights.LoadInto(model, modelDir, dtype, new StateDictLoadOptions
        {
            BaseModelPrefix = registration.BaseModelPrefix, IgnoreUnexpected = registration.IgnoreOnLoad,
        });
        return (model, report);
    }

    /// <summary>
    /// Position ids: <c>pad + cumsum(mask)</c> on real tokens and <c>pad</c> on padding. transformers derives the mask
    /// from <c>input_ids != pad_token_id</c> (and counts plainly for <c>inputs_embeds</c>); the attention mask gives the
    /// same numbers for right-padded input and keeps left-padded rows equal to unpadded ones.
    /// </summary>
    private Tensor PositionIds(Tensor? attentionMask, long batch, long length, Device device)
    {
        var pad = (long)Config.PadTokenId!;
        if (attentionMask is null) return (arange(length, dtype: ScalarType.Int64, device: device) + (pad + 1)).expand(batch, length);
        var mask = attentionMask.to(device).to_type(ScalarType.Int64);
        return mask.cumsum(-1) * mask + pad;
    }

    // Exactly one of inputIds / inputsEmbeds is set.
    private BertModelOutput Encode(Tensor? inputIds, Tensor? inputsEmbeds, Tensor? attentionMask, Tensor? tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        var shape = (inputIds ?? inputsEmbeds!).shape;
        var (batch, length) = (shape[0], shape[1]);
        if (length > Config.MaxPositions)
            throw new ArgumentException(
                $"The input has {length} tokens but this {Config.ModelType} takes at most {Config.MaxPositions} " +
                $"(max_position_embeddings {Config.MaxPositionEmbeddings} less pad_token_id + 1); truncate the input.");
        var device = (inputIds ?? inputsEmbeds!).device;
        tokenTypeIds ??= zeros(batch, length, dtype: ScalarType.Int64, device: device);
        var hidden = embeddings.forward(inputIds, inputsEmbeds, tokenTypeIds, PositionIds(attentionMask, batch, length, device));
        var additiveMask = attentionMask is null ? null : AttentionMasks.Padding(attentionMask.to(device), hidden.dtype);
        hidden = encoder.forward(hidden, additiveMask);
        var pooled = pooler?.call(hidden);
        return new BertModelOutput(hidden.MoveToOuterDisposeScope(), pooled?.MoveToOuterDisposeScope());
    }
}
