using TorchSharp.Modules;
using TorchSharp;
using TuneSharp.Checkpoints;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Architectures.Llama;

/// <summary>
/// A Llama decoder, as transformers' <c>LlamaModel</c> (<c>model.*</c> in its task checkpoints): token embedding →
/// N × [RMSNorm → grouped-query self-attention with rotary positions → residual, RMSNorm → SwiGLU MLP → residual] →
/// RMSNorm. Returns hidden states; heads (<c>lm_head</c>, <c>score</c>) are the task models'. Field names are HF's
/// attribute names, so parameter names are the checkpoint's (<c>layers.0.self_attn.q_proj.weight</c>, ...).
/// </summary>
public sealed class LlamaModel : nn.Module, IDecoderBackbone
{
    private readonly Embedding embed_tokens;
    private readonly ModuleList<LlamaDecoderLayer> layers;
    private readonly LlamaRmsNorm norm;
    private readonly RotaryEmbedding rotary;
    private readonly int?[] windows; // each layer's sliding attention window (null = full causal attention)

    /// <summary>
    /// Recompute each decoder layer in the backward pass instead of keeping its activations (transformers'
    /// gradient_checkpointing): less memory for long sequences, one extra forward per step. Only in training mode
    /// with gradients and without a KV cache.
    /// </summary>
    public bool GradientCheckpointing { get; set; }

    internal LlamaModel(LlamaConfig config) : base(nameof(LlamaModel))
    {
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize, padding_idx: config.PadTokenId);
        layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(i => new LlamaDecoderLayer(config, i)).ToArray());
        norm = new LlamaRmsNorm(config.HiddenSize, config.RmsNormEps);
        rotary = new RotaryEmbedding(config.HeadDim, config.RopeTheta, config.RopeScaling, config.MaxPositionEmbeddings);
        windows = Enumerable.Range(0, config.NumHiddenLayers).Select(config.SlidingWindow).ToArray();
        RegisterComponents();
    }

    /// <summary>The token embedding (<c>model.embed_tokens</c>).</summary>
    public Embedding EmbedTokens => embed_tokens;

    nn.Module IBackbone.Module => this;

    Embedding IBackbone.WordEmbeddings => embed_tokens;

    /// <inheritdoc/>
    public int NumLayers => layers.Count;

    // Llama has no segments (token types are ignored) and no pooled output.
    BackboneOutput IBackbone.Forward(Tensor? inputIds, Tensor? inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds) =>
        new(Decode(inputIds, inputsEmbeds, attentionMask), null);

    /// <inheritdoc/>
    public Tensor Decode(Tensor? inputIds, Tensor? inputsEmbeds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null)
    {
        using var scope = NewDisposeScope();
        inputsEmbeds ??= embed_tokens.call(inputIds ?? throw new ArgumentNullException(nameof(inputIds), "give input ids or embeddings"));
        var (batch, length) = (inputsEmbeds.shape[0], inputsEmbeds.shape[1]);
        var past = cache?.Length ?? 0;
        var device = inputsEmbeds.device;

        positionIds = AttentionMasks.DecoderPositionIds(attentionMask, positionIds, batch, length, past, device);

        var hidden = inputsEmbeds;
        var (cos, sin) = rotary.CosSin(positionIds, hidden.dtype);

        // One mask per distinct window (Mistral's layers share one; a model without windows has one for all layers).
        var masks = new Dictionary<int, Tensor?>();
        Tensor? MaskFor(int? window)
        {
            var key = window ?? 0;
            if (!masks.TryGetValue(key, out var mask))
                masks[key] = mask = AttentionMasks.DecoderMask(attentionMask, batch, length, past, hidden.dtype, device, window);
            return mask;
        }

        // Checkpointing is for training (no KV cache); masks and rotary tables go in as constants because they are
        // disposed with this scope, before the backward pass recomputes the layers.
        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            var mask = MaskFor(windows[i]);
            hidden = GradientCheckpoint.AppliesTo(GradientCheckpointing && cache is null, this, i, layers.Count)
                ? GradientCheckpoint.Run((h, c) => layer.forward(h, c[0]!, c[1]!, c[2], null), hidden, [cos, sin, mask], layer)
                : layer.forward(hidden, cos, sin, mask, cache);
        }
        return norm.call(hidden).MoveToOuterDisposeScope();
    }
}

/// <summary>Pre-norm decoder block: x += Attn(RMSNorm(x)); x += MLP(RMSNorm(x)).</summary>
public sealed class LlamaDecoderLayer : nn.Module
{
    private readonly LlamaAttention self_attn;
    private readonly LlamaMlp mlp;
    private readonly LlamaRmsNorm input_layernorm;
    private readonly LlamaRmsNorm post_attention_layernorm;

    internal LlamaDecoderLayer(LlamaConfig config, int layerIndex) : base(nameof(LlamaDecoderLayer))
    {
        self_attn = new LlamaAttention(config, layerIndex);
        mlp = new LlamaMlp(config);
        input_layernorm = new LlamaRmsNorm(config.HiddenSize, config.RmsNormEps);
        post_attention_layernorm = new LlamaRmsNorm(config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }

    internal Tensor forward(Tensor hidden, Tensor cos, Tensor sin, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        hidden = hidden + self_attn.forward(input_layernorm.call(hidden), cos, sin, mask, cache);
        hidden = hidden + mlp.call(post_attention_layernorm.call(hidden));
        return hidden.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Grouped-query attention with rotary position embeddings. num_key_value_heads ≤ num_attention_heads:
/// each k/v head serves a group of query heads, which shrinks the KV cache.
/// </summary>
public sealed class LlamaAttention : nn.Module
{
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear o_proj;
    private readonly int layerIndex;
    private readonly int heads;
    private readonly int kvHeads;
    private readonly int headDim;
    private readonly double dropout;

    internal LlamaAttention(LlamaConfig config, int layerIndex) : base(nameof(LlamaAttention))
    {
        heads = config.NumAttentionHeads;
        kvHeads = config.NumKeyValueHeads;
        headDim = config.HeadDim;
        dropout = config.AttentionDropout;
        this.layerIndex = layerIndex;
        q_proj = nn.Linear(config.HiddenSize, heads * headDim, hasBias: config.QkvBias);
        k_proj = nn.Linear(config.HiddenSize, kvHeads * headDim, hasBias: config.QkvBias);
        v_proj = nn.Linear(config.HiddenSize, kvHeads * headDim, hasBias: config.QkvBias);
        o_proj = nn.Linear(heads * headDim, config.HiddenSize, hasBias: config.OutputProjectionBias);
        RegisterComponents();
    }

    internal Tensor forward(Tensor hidden, Tensor cos, Tensor sin, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var (batch, length) = (hidden.shape[0], hidden.shape[1]);
        var q = q_proj.call(hidden).view(batch, length, heads, headDim).transpose(1, 2);   // [B, H, T, D]
        var k = k_proj.call(hidden).view(batch, length, kvHeads, headDim).transpose(1, 2); // [B, KV, T, D]
        var v = v_proj.call(hidden).view(batch, length, kvHeads, headDim).transpose(1, 2);

        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);
        if (cache is not null) (k, v) = cache.Append(layerIndex, k, v); // now [B, KV, past + T, D]

        var groups = heads / kvHeads;
        var context = Attention.ScaledDotProduct(q, RepeatKv(k, groups), RepeatKv(v, groups), mask, training ? dropout : 0.0);
        return o_proj.call(context.transpose(1, 2).reshape(batch, length, heads * headDim)).MoveToOuterDisposeScope();
    }

    /// <summary>[B, KV, S, D] → [B, KV·groups, S, D], each kv head repeated for its consecutive query heads (HF's repeat_kv).</summary>
    private static Tensor RepeatKv(Tensor x, int groups) => groups == 1 ? x : x.repeat_interleave(groups, dim: 1);
}

/// <summary>SwiGLU feed-forward: down(act(gate(x)) * up(x)), act = silu for Llama.</summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear gate_proj;
    private readonly Linear up_proj;
    private readonly Linear down_proj;
    private readonly string activation;

    internal LlamaMlp(LlamaConfig config) : base(nameof(LlamaMlp))
    {
        gate_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: config.MlpBias);
        up_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: config.MlpBias);
        down_proj = nn.Linear(config.IntermediateSize, config.HiddenSize, hasBias: config.MlpBias);
        activation = config.HiddenAct;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return down_proj.call(Activations.Apply(activation, gate_proj.call(x)) * up_proj.call(x)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// RMSNorm: x / sqrt(mean(x²) + eps) * weight, without mean-centering or bias.
/// The statistics are computed in fp32 even for bf16/fp16 models: mean(x²) of a few thousand values
/// overflows fp16 and loses most of its digits in bf16, and HF does the same upcast, so results match.
/// </summary>
public sealed class LlamaRmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double eps;

    internal LlamaRmsNorm(int size, double eps) : base(nameof(LlamaRmsNorm))
    {
        weight = new Parameter(ones(size));
        this.eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var inputType = x.dtype;
        var x32 = x.to_type(ScalarType.Float32);
        var normalized = x32 * (x32.pow(2).mean([-1], keepdim: true) + eps).rsqrt();
        // Cast back before scaling by the weight, in HF's order, so bf16 results agree bit for bit.
        return (weight * normalized.to_type(inputType)).MoveToOuterDisposeScope();
    }
}
