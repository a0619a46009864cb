using System.Text.Json.Nodes;
using TuneSharp.Models;

namespace TuneSharp.Architectures.Gpt2;

/// <summary>
/// Config of a GPT-2 decoder (<c>model_type: "gpt2"</c>) with transformers' GPT2Config names and defaults (the 124M
/// "gpt2" sizes). The common properties map to GPT-2's names as transformers' attribute_map does: hidden_size is
/// <c>n_embd</c>, num_hidden_layers <c>n_layer</c>, num_attention_heads <c>n_head</c>, max_position_embeddings
/// <c>n_positions</c>. The <c>summary_*</c> keys (GPT2DoubleHeadsModel's multiple-choice head, which TuneSharp does not
/// build) and <c>use_cache</c> stay in <see cref="PretrainedConfig.ExtraFields"/> and are written back unchanged.
/// </summary>
public sealed class Gpt2Config : PretrainedConfig
{
    /// <summary>transformers' defaults: bos and eos are both <c>&lt;|endoftext|&gt;</c> (50256); there is no pad token.</summary>
    public Gpt2Config()
    {
        BosTokenId = 50256;
        EosTokenIds = [50256];
    }

    /// <inheritdoc/>
    public override string ModelType => "gpt2";

    /// <inheritdoc/>
    public override int VocabSize { get; set; } = 50257;

    /// <summary>Learned positions (<c>n_positions</c>): the longest input, prompt and generated tokens together.</summary>
    public int NPositions { get; set; } = 1024;

    /// <inheritdoc/>
    public override int MaxPositions => NPositions;

    /// <inheritdoc/>
    public override string MaxPositionsSource => "n_positions";

    /// <summary>Width of the hidden states (<c>n_embd</c>).</summary>
    public override int HiddenSize { get; set; } = 768;

    /// <summary>Number of blocks (<c>n_layer</c>).</summary>
    public override int NumHiddenLayers { get; set; } = 12;

    /// <summary>Attention heads per block (<c>n_head</c>).</summary>
    public override int NumAttentionHeads { get; set; } = 12;

    /// <summary>Width of the feed-forward block (<c>n_inner</c>); null means 4 · n_embd.</summary>
    public int? NInner { get; set; }

    /// <summary>The feed-forward activation (<c>activation_function</c>): GPT-2 was trained with the tanh approximation, "gelu_new".</summary>
    public string ActivationFunction { get; set; } = "gelu_new";

    /// <summary>Dropout after each block's attention and feed-forward output (<c>resid_pdrop</c>).</summary>
    public double ResidPdrop { get; set; } = 0.1;

    /// <summary>Dropout on the sum of token and position embeddings (<c>embd_pdrop</c>).</summary>
    public double EmbdPdrop { get; set; } = 0.1;

    /// <summary>Dropout on the attention probabilities (<c>attn_pdrop</c>).</summary>
    public double AttnPdrop { get; set; } = 0.1;

    /// <summary>LayerNorm epsilon (<c>layer_norm_epsilon</c>).</summary>
    public double LayerNormEpsilon { get; set; } = 1e-5;

    /// <inheritdoc/>
    public override double InitializerRange { get; set; } = 0.02;

    /// <summary>Divide attention scores by √head_dim (<c>scale_attn_weights</c>).</summary>
    public bool ScaleAttnWeights { get; set; } = true;

    /// <summary>Also divide block i's attention scores by i + 1 (<c>scale_attn_by_inverse_layer_idx</c>, Mistral's GPT-2 runs).</summary>
    public bool ScaleAttnByInverseLayerIdx { get; set; }

    /// <summary>Compute attention scores and softmax in fp32 even under mixed precision (<c>reorder_and_upcast_attn</c>).</summary>
    public bool ReorderAndUpcastAttn { get; set; }

    /// <summary>Whether lm_head is the token embedding matrix (<c>tie_word_embeddings</c>; transformers' default, true).</summary>
    public bool TieWordEmbeddings { get; set; } = true;

    /// <summary>transformers' <c>add_cross_attention</c> (GPT-2 as the decoder of an encoder-decoder); TuneSharp refuses true.</summary>
    public bool AddCrossAttention { get; set; }

    /// <summary>The feed-forward width in use: <see cref="NInner"/>, else 4 · n_embd.</summary>
    public int InnerSize => NInner ?? 4 * HiddenSize;

    /// <summary>Size of one attention head.</summary>
    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <inheritdoc/>
    protected override void ReadFields(ConfigReader r)
    {
        VocabSize = r.Int("vocab_size", VocabSize);
        NPositions = r.Int("n_positions", NPositions);
        HiddenSize = r.Int("n_embd", HiddenSize);
        NumHiddenLayers = r.Int("n_layer", NumHiddenLayers);
        NumAttentionHeads = r.Int("n_head", NumAttentionHeads);
        NInner = r.OptionalInt("n_inner", NInner);
        ActivationFunction = r.String("activation_function", ActivationFunction);
        ResidPdrop = r.Double("resid_pdrop", ResidPdrop);
        EmbdPdrop = r.Double("embd_pdrop", EmbdPdrop);
        AttnPdrop = r.Double("attn_pdrop", AttnPdrop);
        LayerNormEpsilon = r.Double("layer_norm_epsilon", LayerNormEpsilon);
        InitializerRange = r.Double("initializer_range", InitializerRange);
        ScaleAttnWeights = r.Bool("scale_attn_weights", ScaleAttnWeights);
        ScaleAttnByInverseLayerIdx = r.Bool("scale_attn_by_inverse_layer_idx", ScaleAttnByInverseLayerIdx);
        ReorderAndUpcastAttn = r.Bool("reorder_and_upcast_attn", ReorderAndUpcastAttn);
        TieWordEmbeddings = r.Bool("tie_word_embeddings", TieWordEmbeddings);
        // Read (and so written back as read) only to refuse it in Validate: cross-attention layers are not built.
        AddCrossAttention = r.Bool("add_cross_attention", false);
    }

    /// <inheritdoc/>
    protected override void WriteFields(JsonObject json)
    {
        json["vocab_size"] = VocabSize;
        json["n_positions"] = NPositions;
        json["n_embd"] = HiddenSize;
        json["n_layer"] = NumHiddenLayers;
        json["n_head"] = NumAttentionHeads;
        json["n_inner"] = NInner;
        json["activation_function"] = ActivationFunction;
        json["resid_pdrop"] = ResidPdrop;
        json["embd_pdrop"] = EmbdPdrop;
        json["attn_pdrop"] = AttnPdrop;
        json["layer_norm_epsilon"] = LayerNormEpsilon;
        json["initializer_range"] = InitializerRange;
        json["scale_attn_weights"] = ScaleAttnWeights;
        json["scale_attn_by_inverse_layer_idx"] = ScaleAttnByInverseLayerIdx;
        json["reorder_and_upcast_attn"] = ReorderAndUpcastAttn;
        json["tie_word_embeddings"] = TieWordEmbeddings;
        if (AddCrossAttention) json["add_cross_attention"] = true;
    }

    /// <inheritdoc/>
    protected override void Validate(ConfigReader r)
    {
        if (NumAttentionHeads <= 0 || HiddenSize % NumAttentionHeads != 0)
            throw r.Error("n_head", $"({NumAttentionHeads}) must divide n_embd ({HiddenSize})");
        if (NInner is <= 0) throw r.Error("n_inner", $"must be positive or null (4 · n_embd), found {NInner}");
        if (NPositions <= 0) throw r.Error("n_positions", $"must be positive, found {NPositions}");
        foreach (var (field, p) in new[] { ("resid_pdrop", ResidPdrop), ("embd_pdrop", EmbdPdrop), ("attn_pdrop", AttnPdrop) })
            if (!(p >= 0 && p <= 1)) throw r.Error(field, $"must be a probability in [0, 1], found {p}");
        if (AddCrossAttention)
            throw r.Error("add_cross_attention", "is true: GPT-2 as the decoder of an encoder-decoder model (cross-attention layers) is not supported");
        Activations.Validate(ActivationFunction, r, "activation_function");
    }
}
