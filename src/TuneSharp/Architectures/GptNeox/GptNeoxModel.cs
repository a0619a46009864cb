using TorchSharp;
using TorchSharp.Modules;
using TuneSharp.Architectures.Llama;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Architectures.GptNeox;

/// <summary>
/// A GPT-NeoX decoder (Pythia, GPT-NeoX-20B), as transformers' <c>GPTNeoXModel</c> (<c>gpt_neox.*</c> in its task
/// checkpoints): token embedding → dropout → N × layer → LayerNorm, each layer either parallel,
/// x + attn(LN₁(x)) + mlp(LN₂(x)), or sequential, x += attn(LN₁(x)); x += mlp(LN₂(x)) (<c>use_parallel_residual</c>).
/// Attention uses one fused query_key_value projection and rotary positions on the first rotary_pct of each head's
/// dimensions. Returns hidden states; heads (<c>embed_out</c>, <c>score</c>, ...) are the task models'. Field names are
/// transformers' attribute names, so parameter names are the checkpoint's (<c>layers.0.attention.query_key_value.weight</c>, ...).
/// </summary>
public sealed class GptNeoxModel : nn.Module, IDecoderBackbone
{
    private readonly Embedding embed_in;
    private readonly ParallelDropout emb_dropout;
    private readonly ModuleList<GptNeoxLayer> layers;
    private readonly LayerNorm final_layer_norm;
    // Llama's rotary embedding, over the first rotary_ndims of each head (transformers' GPTNeoXRotaryEmbedding is the same
    // rotate_half layout); one table for all layers instead of transformers' per-layer copies, which hold the same numbers.
    private readonly RotaryEmbedding rotary;

    /// <summary>
    /// Recompute each layer in the backward pass instead of keeping its activations (transformers'
    /// gradient_checkpointing). Only in training mode with gradients and without a KV cache.
    /// </summary>
    public bool GradientCheckpointing { get; set; }

    internal GptNeoxModel(GptNeoxConfig config) : base(nameof(GptNeoxModel))
    {
        // No padding_idx: transformers' embed_in has none, so the pad row trains like any other.
        embed_in = nn.Embedding(config.VocabSize, config.HiddenSize);
        emb_dropout = new ParallelDropout(config.HiddenDropout);
        layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(i => new GptNeoxLayer(config, i)).ToArray());
        final_layer_norm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        rotary = new RotaryEmbedding(config.RotaryDims, config.RotaryEmbBase, config.RopeScaling, config.MaxPositionEmbeddings);
        RegisterComponents();
    }

    /// <summary>The token embedding (<c>gpt_neox.embed_in</c>).</summary>
    public Embedding EmbedIn => embed_in;

    nn.Module IBackbone.Module => this;

    Embedding IBackbone.WordEmbeddings => embed_in;

    /// <inheritdoc/>
    public int NumLayers => layers.Count;

    // GPT-NeoX has no segments (token types are ignored) and no pooled output.
    BackboneOutput IBackbone.Forward(Tensor? inputIds, Tensor? inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds) =>
        new(Decode(inputIds, inputsEmbeds, attentionMask), null);

    /// <inheritdoc/>
    public Tensor Decode(Tensor? inputIds, Tensor? inputsEmbeds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null)
    {
        using var scope = NewDisposeScope();
        inputsEmbeds ??= embed_in.call(inputIds ?? throw new ArgumentNullException(nameof(inputIds), "give input ids or embeddings"));
        var (batch, length) = (inputsEmbeds.shape[0], inputsEmbeds.shape[1]);
        var past = cache?.Length ?? 0;
        var device = inputsEmbeds.device;

        positionIds = AttentionMasks.DecoderPositionIds(attentionMask, positionIds, batch, length, past, device);

        var hidden = emb_dropout.call(inputsEmbeds);
        var (cos, sin) = rotary.CosSin(positionIds, hidden.dtype);   // [B, T, rotary_ndims]

        var mask = AttentionMasks.DecoderMask(attentionMask, batch, length, past, hidden.dtype, device);

        // Masks and rotary tables go into checkpointed layers as constants: they are disposed with this scope, before
        // the backward pass recomputes the layers.
        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            hidden = GradientCheckpoint.AppliesTo(GradientCheckpointing && cache is null, this, i, layers.Count)
                ? GradientCheckpoint.Run((h, c) => layer.forward(h, c[0]!, c[1]!, c[2], null), hidden, [cos, sin, mask], layer)
                : layer.forward(hidden, cos, sin, mask, cache);
        }
        return final_layer_norm.call(hidden).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// One GPT-NeoX block: attention on LN₁(x) and the MLP on LN₂ of either x (parallel residual, both branches read the
/// block's input) or x + attention (sequential), each branch's output through hidden dropout before it is added.
/// </summary>
public sealed class GptNeoxLayer : nn.Module
{
    private readonly LayerNorm input_layernorm;
    private readonly LayerNorm post_attention_layernorm;
    private readonly ParallelDropout post_attention_dropout;
    private readonly ParallelDropout post_mlp_dropout;
    private readonly GptNeoxAttention attention;
    private readonly GptNeoxMlp mlp;
    private readonly bool parallelResidual;

    internal GptNeoxLayer(GptNeoxConfig config, int layerIndex) : base(nameof(GptNeoxLayer))
    {
        input_layernorm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        post_attention_layernorm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        post_attention_dropout = new ParallelDropout(config.HiddenDropout);
        post_mlp_dropout = new ParallelDropout(config.HiddenDropout);
        attention = new GptNeoxAttention(config, layerIndex);
        mlp = new GptNeoxMlp(config);
        parallelResidual = config.UseParallelResidual;
        RegisterComponents();
    }

    internal Tensor forward(Tensor hidden, Tensor cos, Tensor sin, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var attended = post_attention_dropout.call(attention.forward(input_layernorm.call(hidden), cos, sin, mask, cache));
        if (parallelResidual)
        {
            var fed = post_mlp_dropout.call(mlp.call(post_attention_layernorm.call(hidden)));
            // transformers' order of the sum (mlp + attention + input), so rounding matches too.
            return (fed + attended + hidden).MoveToOuterDisposeScope();
        }
        var afterAttention = attended + hidden;
        return (post_mlp_dropout.call(mlp.call(post_attention_layernorm.call(afterAttention))) + afterAttention).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Multi-head causal self-attention with one fused projection. transformers' query_key_value output is laid out per
/// head, [q, k, v] of head_dim each for head 0, then head 1, ... (not all queries, then all keys), so it is viewed as
/// [B, T, heads, 3·head_dim] and split on the last axis. Rotary embeddings turn the first rotary_ndims dimensions of
/// queries and keys; the KV cache keeps keys after rotation.
/// </summary>
public sealed class GptNeoxAttention : nn.Module
{
    private readonly Linear query_key_value;
    private readonly Linear dense;
    private readonly int layerIndex;
    private readonly int heads;
    private readonly int headDim;
    private readonly double dropout;

    internal GptNeoxAttention(GptNeoxConfig config, int layerIndex) : base(nameof(GptNeoxAttention))
    {
        heads = config.NumAttentionHeads;
        headDim = config.HeadDim;
        dropout = config.AttentionDropout;
        this.layerIndex = layerIndex;
        query_key_value = nn.Linear(config.HiddenSize, 3 * config.HiddenSize, hasBias: config.AttentionBias);
        dense = nn.Linear(config.HiddenSize, config.HiddenSize, hasBias: config.AttentionBias);
        RegisterComponents();
    }

    internal Tensor forward(Tensor hidden, Tensor cos, Tensor sin, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var (batch, length) = (hidden.shape[0], hidden.shape[1]);
        var qkv = query_key_value.call(hidden).view(batch, length, heads, 3 * headDim);
        var q = qkv.narrow(-1, 0, headDim).transpose(1, 2);            // [B, H, T, D]
        var k = qkv.narrow(-1, headDim, headDim).transpose(1, 2);
        var v = qkv.narrow(-1, 2 * headDim, headDim).transpose(1, 2);

        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);
        if (cache is not null) (k, v) = cache.Append(layerIndex, k, v); // now [B, H, past + T, D]

        var context = Attention.ScaledDotProduct(q, k, v, mask, training ? dropout : 0.0);
        return dense.call(context.transpose(1, 2).reshape(batch, length, heads * headDim)).MoveToOuterDisposeScope();
    }
}

/// <summary>The feed-forward block: dense_4h_to_h(act(dense_h_to_4h(x))), both with biases (always, in transformers).</summary>
public sealed class GptNeoxMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense_h_to_4h;
    private readonly Linear dense_4h_to_h;
    private readonly string activation;

    internal GptNeoxMlp(GptNeoxConfig config) : base(nameof(GptNeoxMlp))
    {
        dense_h_to_4h = nn.Linear(config.HiddenSize, config.IntermediateSize);
        dense_4h_to_h = nn.Linear(config.IntermediateSize, config.HiddenSize);
        activation = config.HiddenAct;
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return dense_4h_to_h.call(Activations.Apply(activation, dense_h_to_4h.call(x))).MoveToOuterDisposeScope();
    }
}
