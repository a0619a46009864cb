using TorchSharp;
using TorchSharp.Modules;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Architectures.Gpt2;

/// <summary>
/// A GPT-2 decoder, as transformers' <c>GPT2Model</c> (<c>transformer.*</c> in its task checkpoints): token embedding
/// (<c>wte</c>) + learned position embedding (<c>wpe</c>) → dropout → N × [LayerNorm → causal self-attention → dropout →
/// residual, LayerNorm → MLP → dropout → residual] → LayerNorm (<c>ln_f</c>). Returns hidden states; the heads are the
/// task models'. Field names are transformers' attribute names, so parameter names are the checkpoint's
/// (<c>h.0.attn.c_attn.weight</c>, ...).
/// </summary>
/// <remarks>
/// <para>transformers builds <c>c_attn</c>, <c>c_proj</c> and <c>c_fc</c> as <c>Conv1D</c>, a linear layer whose weight is
/// stored [in, out]. Here they are ordinary <see cref="Linear"/> modules (weight [out, in]), so LoRA, bottleneck adapters,
/// BitFit and freezing work on them unchanged; the registration's <see cref="ModelArchitecture.TransposedWeights"/>
/// transposes those weights whenever a Hugging Face folder is read or written.</para>
/// <para>Positions count each row's real tokens (from the attention mask, as for Llama and as transformers' generate
/// does), so left padding gives the positions of an unpadded row; with right padding, or none, they are transformers'
/// 0..T-1 on every real token.</para>
/// </remarks>
public sealed class Gpt2Model : nn.Module, IDecoderBackbone
{
    private readonly Embedding wte;
    private readonly Embedding wpe;
    private readonly ParallelDropout drop;
    private readonly ModuleList<Gpt2Block> h;
    private readonly LayerNorm ln_f;
    private readonly int positions;

    /// <summary>
    /// Recompute each block in the backward pass instead of keeping its activations (transformers'
    /// gradient_checkpointing): less memory for long sequences, one extra forward per step. Only in training mode with
    /// gradients and without a KV cache.
    /// </summary>
    public bool GradientCheckpointing { get; set; }

    internal Gpt2Model(Gpt2Config config) : base(nameof(Gpt2Model))
    {
        // No padding_idx: GPT-2 has no pad token, and transformers' wte has none (a pad row would get no gradient).
        wte = nn.Embedding(config.VocabSize, config.HiddenSize);
        wpe = nn.Embedding(config.NPositions, config.HiddenSize);
        drop = new ParallelDropout(config.EmbdPdrop);
        h = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(i => new Gpt2Block(config, i)).ToArray());
        ln_f = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEpsilon);
        positions = config.NPositions;
        RegisterComponents();
    }

    nn.Module IBackbone.Module => this;

    /// <summary>The token embedding (<c>transformer.wte</c>), also the tied language-model head.</summary>
    public Embedding WordEmbeddings => wte;

    /// <inheritdoc/>
    public int NumLayers => h.Count;

    // transformers' GPT2Model adds wte(token_type_ids) when it is given them, but GPT-2's tokenizers never return any
    // (model_input_names is input_ids and attention_mask), so a user's inputs have none: segment ids are ignored, as for Llama.
    BackboneOutput IBackbone.Forward(Tensor? inputIds, Tensor? inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds) =>
        new(Decode(inputIds, inputsEmbeds, attentionMask), null);

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">A position is past n_positions (the input is longer than the position table).</exception>
    public Tensor Decode(Tensor? inputIds, Tensor? inputsEmbeds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null)
    {
        using var scope = NewDisposeScope();
        inputsEmbeds ??= wte.call(inputIds ?? throw new ArgumentNullException(nameof(inputIds), "give input ids or embeddings"));
        var (batch, length) = (inputsEmbeds.shape[0], inputsEmbeds.shape[1]);
        var past = cache?.Length ?? 0;
        var device = inputsEmbeds.device;

        positionIds = AttentionMasks.DecoderPositionIds(attentionMask, positionIds, batch, length, past, device);
        // The position table has n_positions rows; an index past it would fail deep inside the embedding lookup.
        if (length > 0)
        {
            var last = positionIds.max().item<long>();
            if (last >= positions)
                throw new ArgumentException(
                    $"The input reaches position {last}, but GPT-2 has {positions} learned positions (n_positions in config.json): " +
                    $"prompt and generated tokens together must be at most {positions} tokens.");
        }

        var hidden = drop.call(inputsEmbeds + wpe.call(positionIds));

        var mask = AttentionMasks.DecoderMask(attentionMask, batch, length, past, hidden.dtype, device);

        // Checkpointing is for training (no KV cache); the mask goes in as a constant because it is disposed with this
        // scope, before the backward pass recomputes the blocks.
        for (var i = 0; i < h.Count; i++)
        {
            var block = h[i];
            hidden = GradientCheckpoint.AppliesTo(GradientCheckpointing && cache is null, this, i, h.Count)
                ? GradientCheckpoint.Run((x, c) => block.forward(x, c[0], null), hidden, [mask], block)
                : block.forward(hidden, mask, cache);
        }
        return ln_f.call(hidden).MoveToOuterDisposeScope();
    }
}

/// <summary>Pre-norm block: x += dropout(Attn(LayerNorm(x))); x += dropout(MLP(LayerNorm(x))).</summary>
public sealed class Gpt2Block : nn.Module
{
    private readonly LayerNorm ln_1;
    private readonly Gpt2Attention attn;
    private readonly LayerNorm ln_2;
    private readonly Gpt2Mlp mlp;

    internal Gpt2Block(Gpt2Config config, int layerIndex) : base(nameof(Gpt2Block))
    {
        ln_1 = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEpsilon);
        attn = new Gpt2Attention(config, layerIndex);
        ln_2 = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEpsilon);
        mlp = new Gpt2Mlp(config);
        RegisterComponents();
    }

    internal Tensor forward(Tensor hidden, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        hidden = hidden + attn.forward(ln_1.call(hidden), mask, cache);
        hidden = hidden + mlp.call(ln_2.call(hidden));
        return hidden.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Multi-head causal self-attention with one fused q/k/v projection (<c>c_attn</c>, 3·n_embd outputs in the order q, k, v),
/// the output projection <c>c_proj</c> and dropout on both the probabilities and the output. The scores are divided by
/// √head_dim (<c>scale_attn_weights</c>) and, with <c>scale_attn_by_inverse_layer_idx</c>, by the block's index + 1.
/// </summary>
public sealed class Gpt2Attention : nn.Module
{
    private readonly Linear c_attn;
    private readonly Linear c_proj;
    private readonly ParallelDropout resid_dropout;
    private readonly int layerIndex;
    private readonly int heads;
    private readonly int headDim;
    private readonly int width;
    private readonly double attentionDropout;
    private readonly double scale;
    private readonly bool upcast;

    internal Gpt2Attention(Gpt2Config config, int layerIndex) : base(nameof(Gpt2Attention))
    {
        width = config.HiddenSize;
        heads = config.NumAttentionHeads;
        headDim = config.HeadDim;
        this.layerIndex = layerIndex;
        attentionDropout = config.AttnPdrop;
        upcast = config.ReorderAndUpcastAttn;
        scale = (config.ScaleAttnWeights ? 1.0 / Math.Sqrt(headDim) : 1.0) / (config.ScaleAttnByInverseLayerIdx ? layerIndex + 1 : 1);
        c_attn = nn.Linear(width, 3 * width);
        c_proj = nn.Linear(width, width);
        resid_dropout = new ParallelDropout(config.ResidPdrop);
        RegisterComponents();
    }

    internal Tensor forward(Tensor hidden, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var (batch, length) = (hidden.shape[0], hidden.shape[1]);
        var qkv = c_attn.call(hidden).split(width, dim: 2);
        Tensor Heads(Tensor x) => x.view(batch, length, heads, headDim).transpose(1, 2); // [B, A, T, D]
        var (q, k, v) = (Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]));
        if (cache is not null) (k, v) = cache.Append(layerIndex, k, v); // now [B, A, past + T, D]

        var context = Attend(q, k, v, mask, training ? attentionDropout : 0.0);
        var output = c_proj.call(context.transpose(1, 2).reshape(batch, length, width));
        return resid_dropout.call(output).MoveToOuterDisposeScope();
    }

    private Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor? mask, double dropout)
    {
        // reorder_and_upcast_attn only changes anything below fp32: transformers then takes q·kᵀ and the softmax in fp32
        // with autocast off, and casts the probabilities back to v's dtype. In fp32 it is the plain computation.
        if (upcast && (q.dtype != ScalarType.Float32 || CpuAutocast.ActiveDtype is not null))
            return UpcastAttention(q, k, v, mask, dropout);
        // libtorch's kernel divides by √head_dim; GPT-2's other scalings go onto q beforehand.
        var factor = scale * Math.Sqrt(headDim);
        return Attention.ScaledDotProduct(factor == 1.0 ? q : q * factor, k, v, mask, dropout);
    }

    private Tensor UpcastAttention(Tensor q, Tensor k, Tensor v, Tensor? mask, double dropout)
    {
        using var scope = NewDisposeScope();
        Tensor probabilities;
        using (CpuAutocast.Suspend())
        {
            var scores = matmul(q.to_type(ScalarType.Float32), k.to_type(ScalarType.Float32).transpose(-2, -1)) * scale;
            if (mask is not null) scores = scores + mask.to_type(ScalarType.Float32);
            probabilities = scores.softmax(-1).to_type(v.dtype);
        }
        return matmul(ParallelDropout.Apply(probabilities, dropout, dropout > 0), v).MoveToOuterDisposeScope();
    }
}

/// <summary>Feed-forward block: dropout(c_proj(act(c_fc(x)))), c_fc widening to n_inner (4 · n_embd by default).</summary>
public sealed class Gpt2Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear c_fc;
    private readonly Linear c_proj;
    private readonly ParallelDropout dropout;
    private readonly string activation;

    internal Gpt2Mlp(Gpt2Config config) : base(nameof(Gpt2Mlp))
    {
        c_fc = nn.Linear(config.HiddenSize, config.InnerSize);
        c_proj = nn.Linear(config.InnerSize, config.HiddenSize);
        dropout = new ParallelDropout(config.ResidPdrop);
        activation = config.ActivationFunction;
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return dropout.call(c_proj.call(Activations.Apply(activation, c_fc.call(x)))).MoveToOuterDisposeScope();
    }
}
