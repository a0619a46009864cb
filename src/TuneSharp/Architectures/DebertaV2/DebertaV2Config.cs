using System.Text.Json;
using System.Text.Json.Nodes;
using TuneSharp.Models;

namespace TuneSharp.Architectures.DebertaV2;

/// <summary>
/// Config of a DeBERTa-v2 or DeBERTa-v3 encoder (<c>model_type: "deberta-v2"</c>, both versions share it) with
/// transformers' DebertaV2Config keys and defaults, and the keys its modules read with <c>getattr</c> (position_buckets,
/// share_att_key, norm_rel_ebd, embedding_size, conv_*, cls_dropout, attention_head_size), which DebertaV2Config does not
/// declare but every released v2/v3 checkpoint sets.
/// </summary>
/// <remarks>
/// The defaults are DebertaV2Config's <c>__init__</c> ones (relative_attention false, position_biased_input true), not
/// those of its docstring; real checkpoints set both. A DeBERTa-v3 config: relative_attention true, position_buckets 256,
/// max_relative_positions -1, pos_att_type ["p2c", "c2p"], position_biased_input false, norm_rel_ebd "layer_norm",
/// share_att_key true, type_vocab_size 0.
/// </remarks>
public sealed class DebertaV2Config : PretrainedConfig
{
    /// <summary>The relative attention terms transformers implements: content→position and position→content.</summary>
    public static IReadOnlyList<string> AttentionTypes { get; } = ["c2p", "p2c"];

    /// <summary>A config with transformers' DebertaV2Config defaults (DeBERTa-v2 xlarge's sizes, pad id 0).</summary>
    public DebertaV2Config() => PadTokenId = 0;

    /// <inheritdoc/>
    public override string ModelType => "deberta-v2";

    public override int VocabSize { get; set; } = 128100;
    public override int HiddenSize { get; set; } = 1536;
    public override int NumHiddenLayers { get; set; } = 24;
    public override int NumAttentionHeads { get; set; } = 24;
    /// <summary>Feed-forward width (<c>intermediate_size</c>).</summary>
    public int IntermediateSize { get; set; } = 6144;
    /// <summary>Feed-forward activation ("gelu" is the erf form).</summary>
    public string HiddenAct { get; set; } = "gelu";
    /// <summary>Dropout on the embeddings, the residual blocks and the relative embeddings (<c>hidden_dropout_prob</c>).</summary>
    public double HiddenDropoutProb { get; set; } = 0.1;
    /// <summary>Dropout on the attention probabilities (<c>attention_probs_dropout_prob</c>).</summary>
    public double AttentionProbsDropoutProb { get; set; } = 0.1;
    /// <summary>Rows of the absolute position table (used when <see cref="PositionBiasedInput"/>), and the relative span when <see cref="MaxRelativePositions"/> is below 1.</summary>
    public int MaxPositionEmbeddings { get; set; } = 512;
    /// <summary>Token types; 0 (DeBERTa-v3) means no token-type embedding, and segment ids are ignored.</summary>
    public int TypeVocabSize { get; set; }
    public override double InitializerRange { get; set; } = 0.02;
    /// <summary>Epsilon of every LayerNorm (<c>layer_norm_eps</c>).</summary>
    public double LayerNormEps { get; set; } = 1e-7;
    /// <summary>Disentangled attention over relative positions (<c>relative_attention</c>).</summary>
    public bool RelativeAttention { get; set; }
    /// <summary>Largest relative distance; below 1 means max_position_embeddings.</summary>
    public int MaxRelativePositions { get; set; } = -1;
    /// <summary>Log-bucketed relative positions: this many buckets each side when positive (<c>position_buckets</c>), plain distances otherwise.</summary>
    public int PositionBuckets { get; set; } = -1;
    /// <summary>The relative terms added to the content attention, a subset of <see cref="AttentionTypes"/> (<c>pos_att_type</c>).</summary>
    public List<string> PosAttType { get; set; } = [];
    /// <summary>Add absolute position embeddings to the word embeddings (<c>position_biased_input</c>).</summary>
    public bool PositionBiasedInput { get; set; } = true;
    /// <summary>"layer_norm" normalises the relative embeddings (<c>encoder.LayerNorm</c>); "none" leaves them.</summary>
    public string NormRelEbd { get; set; } = "none";
    /// <summary>Project relative embeddings with the content query/key projections instead of their own pos_key_proj / pos_query_proj (<c>share_att_key</c>).</summary>
    public bool ShareAttKey { get; set; }
    /// <summary>Width of the embeddings when it differs from hidden_size (<c>embedding_size</c>; an <c>embed_proj</c> Linear maps it); null is hidden_size.</summary>
    public int? EmbeddingSize { get; set; }
    /// <summary>Kernel of the convolution beside the first layer (DeBERTa-v2 xlarge and xxlarge: 3); 0 for none (<c>conv_kernel_size</c>).</summary>
    public int ConvKernelSize { get; set; }
    /// <summary>Groups of that convolution (<c>conv_groups</c>).</summary>
    public int ConvGroups { get; set; } = 1;
    /// <summary>Activation after that convolution (<c>conv_act</c>): "tanh" or a <see cref="Activations"/> name.</summary>
    public string ConvAct { get; set; } = "tanh";
    /// <summary>Head size when the file sets <c>attention_head_size</c>; null is hidden_size / num_attention_heads.</summary>
    public int? AttentionHeadSize { get; set; }
    /// <summary>Dropout before the sequence classifier (<c>cls_dropout</c>); null means hidden_dropout_prob.</summary>
    public double? ClsDropout { get; set; }
    /// <summary>Dropout on the first token inside the sequence classifier's ContextPooler (<c>pooler_dropout</c>).</summary>
    public double PoolerDropout { get; set; }
    /// <summary>Activation of the ContextPooler (<c>pooler_hidden_act</c>): "tanh" or a <see cref="Activations"/> name.</summary>
    public string PoolerHiddenAct { get; set; } = "gelu";
    /// <summary>Width of the ContextPooler (<c>pooler_hidden_size</c>); transformers' classifier reads hidden_size, so only that value works.</summary>
    public int? PoolerHiddenSize { get; set; }

    /// <inheritdoc/>
    public override int MaxPositions => MaxPositionEmbeddings;

    /// <summary>Size of one attention head.</summary>
    public int HeadDim => AttentionHeadSize ?? HiddenSize / NumAttentionHeads;

    /// <summary>Width of the embedding tables (embedding_size, else hidden_size).</summary>
    public int EmbeddingWidth => EmbeddingSize ?? HiddenSize;

    /// <summary>Whether the relative embeddings go through <c>encoder.LayerNorm</c>.</summary>
    public bool NormalizesRelativeEmbeddings => NormRelEbdParts.Contains("layer_norm");

    /// <summary>The relative span each side: position_buckets when bucketed, else max_relative_positions (max_position_embeddings below 1); the relative table has twice as many rows.</summary>
    public int AttentionSpan => PositionBuckets > 0 ? PositionBuckets : EffectiveMaxRelativePositions;

    /// <summary>max_relative_positions, or max_position_embeddings when it is below 1 (transformers' rule).</summary>
    public int EffectiveMaxRelativePositions => MaxRelativePositions < 1 ? MaxPositionEmbeddings : MaxRelativePositions;

    /// <summary>Whether attention adds the content→position term.</summary>
    public bool ContentToPosition => PosAttType.Contains("c2p");

    /// <summary>Whether attention adds the position→content term.</summary>
    public bool PositionToContent => PosAttType.Contains("p2c");

    /// <summary>
    /// transformers' scale factor: attention scores are divided by √(head size · (1 + number of relative terms)), counted
    /// from pos_att_type even when relative_attention is off.
    /// </summary>
    public int ScaleFactor => 1 + (ContentToPosition ? 1 : 0) + (PositionToContent ? 1 : 0);

    private IEnumerable<string> NormRelEbdParts => NormRelEbd.ToLowerInvariant().Split('|').Select(p => p.Trim());

    protected override void ReadFields(ConfigReader r)
    {
        VocabSize = r.Int("vocab_size", VocabSize);
        HiddenSize = r.Int("hidden_size", HiddenSize);
        NumHiddenLayers = r.Int("num_hidden_layers", NumHiddenLayers);
        NumAttentionHeads = r.Int("num_attention_heads", NumAttentionHeads);
        IntermediateSize = r.Int("intermediate_size", IntermediateSize);
        HiddenAct = r.String("hidden_act", HiddenAct);
        HiddenDropoutProb = r.Double("hidden_dropout_prob", HiddenDropoutProb);
        AttentionProbsDropoutProb = r.Double("attention_probs_dropout_prob", AttentionProbsDropoutProb);
        MaxPositionEmbeddings = r.Int("max_position_embeddings", MaxPositionEmbeddings);
        TypeVocabSize = r.Int("type_vocab_size", TypeVocabSize);
        InitializerRange = r.Double("initializer_range", InitializerRange);
        LayerNormEps = r.Double("layer_norm_eps", LayerNormEps);
        RelativeAttention = r.Bool("relative_attention", RelativeAttention);
        MaxRelativePositions = r.Int("max_relative_positions", MaxRelativePositions);
        PositionBuckets = r.Int("position_buckets", PositionBuckets);
        PosAttType = ReadPosAttType(r);
        PositionBiasedInput = r.Bool("position_biased_input", PositionBiasedInput);
        NormRelEbd = r.String("norm_rel_ebd", NormRelEbd);
        ShareAttKey = r.Bool("share_att_key", ShareAttKey);
        EmbeddingSize = r.OptionalInt("embedding_size", EmbeddingSize);
        ConvKernelSize = r.Int("conv_kernel_size", ConvKernelSize);
        ConvGroups = r.Int("conv_groups", ConvGroups);
        ConvAct = r.String("conv_act", ConvAct);
        AttentionHeadSize = r.OptionalInt("attention_head_size", AttentionHeadSize);
        ClsDropout = r.OptionalDouble("cls_dropout", ClsDropout);
        PoolerDropout = r.Double("pooler_dropout", PoolerDropout);
        PoolerHiddenAct = r.String("pooler_hidden_act", PoolerHiddenAct);
        PoolerHiddenSize = r.OptionalInt("pooler_hidden_size", PoolerHiddenSize);
    }

    // transformers takes a list, or one string of "|"-separated names (lower-cased, as older configs write "p2c|c2p").
    private List<string> ReadPosAttType(ConfigReader r)
    {
        if (!r.Has("pos_att_type")) return PosAttType;
        var node = r.TakeRaw("pos_att_type");
        return node switch
        {
            null => [],
            JsonValue value when value.GetValueKind() == JsonValueKind.String =>
                value.GetValue<string>().ToLowerInvariant().Split('|').Select(p => p.Trim()).ToList(),
            JsonArray array => array.Select((item, i) => item is JsonValue v && v.GetValueKind() == JsonValueKind.String
                ? v.GetValue<string>()
                : throw r.Error("pos_att_type", $"must be a list of strings, but item {i} is {item?.ToJsonString() ?? "null"}")).ToList(),
            _ => throw r.Error("pos_att_type", $"must be a list of strings or a \"p2c|c2p\" string, found {node.ToJsonString()}"),
        };
    }

    protected override void WriteFields(JsonObject json)
    {
        json["vocab_size"] = VocabSize;
        json["hidden_size"] = HiddenSize;
        json["num_hidden_layers"] = NumHiddenLayers;
        json["num_attention_heads"] = NumAttentionHeads;
        json["intermediate_size"] = IntermediateSize;
        json["hidden_act"] = HiddenAct;
        json["hidden_dropout_prob"] = HiddenDropoutProb;
        json["attention_probs_dropout_prob"] = AttentionProbsDropoutProb;
        json["max_position_embeddings"] = MaxPositionEmbeddings;
        json["type_vocab_size"] = TypeVocabSize;
        json["initializer_range"] = InitializerRange;
        json["layer_norm_eps"] = LayerNormEps;
        json["relative_attention"] = RelativeAttention;
        json["max_relative_positions"] = MaxRelativePositions;
        json["position_buckets"] = PositionBuckets;
        // As transformers saves it: a list, whichever form the file had.
        json["pos_att_type"] = new JsonArray(PosAttType.Select(p => (JsonNode?)p).ToArray());
        json["position_biased_input"] = PositionBiasedInput;
        json["norm_rel_ebd"] = NormRelEbd;
        json["share_att_key"] = ShareAttKey;
        if (EmbeddingSize is { } embeddingSize) json["embedding_size"] = embeddingSize;
        json["conv_kernel_size"] = ConvKernelSize;
        json["conv_groups"] = ConvGroups;
        json["conv_act"] = ConvAct;
        if (AttentionHeadSize is { } headSize) json["attention_head_size"] = headSize;
        if (ClsDropout is { } clsDropout) json["cls_dropout"] = clsDropout;
        json["pooler_dropout"] = PoolerDropout;
        json["pooler_hidden_act"] = PoolerHiddenAct;
        json["pooler_hidden_size"] = PoolerHiddenSize ?? HiddenSize;
    }

    protected override void Validate(ConfigReader r)
    {
        if (NumAttentionHeads <= 0 || HiddenSize % NumAttentionHeads != 0)
            throw r.Error("num_attention_heads", $"({NumAttentionHeads}) must divide hidden_size ({HiddenSize})");
        // transformers' attention output projection is hidden_size → hidden_size, so the heads must fill hidden_size exactly.
        if (AttentionHeadSize is { } headSize && headSize * NumAttentionHeads != HiddenSize)
            throw r.Error("attention_head_size", $"({headSize}) × num_attention_heads ({NumAttentionHeads}) must equal hidden_size ({HiddenSize})");
        Activations.Validate(HiddenAct, r, "hidden_act");
        ValidateActivation(PoolerHiddenAct, r, "pooler_hidden_act");
        if (PosAttType.FirstOrDefault(p => !AttentionTypes.Contains(p)) is { } unknown)
            throw r.Error("pos_att_type", $"contains \"{unknown}\"; the relative attention terms are \"c2p\" and \"p2c\"");
        if (NormRelEbdParts.FirstOrDefault(p => p is not ("none" or "layer_norm")) is { } norm)
            throw r.Error("norm_rel_ebd", $"contains \"{norm}\"; supported: \"none\", \"layer_norm\"");
        if (TypeVocabSize < 0) throw r.Error("type_vocab_size", $"must not be negative, got {TypeVocabSize}");
        if (EmbeddingSize is <= 0) throw r.Error("embedding_size", $"must be positive, got {EmbeddingSize}");
        if (PoolerHiddenSize is { } pooler && pooler != HiddenSize)
            throw r.Error("pooler_hidden_size", $"({pooler}) differs from hidden_size ({HiddenSize}); transformers' classifier reads hidden_size, so only equal sizes work");
        if (RelativeAttention && PositionBuckets > 0)
        {
            // make_log_bucket_position divides by log((max_relative_positions - 1) / (position_buckets / 2)).
            var mid = PositionBuckets / 2;
            if (mid < 1 || EffectiveMaxRelativePositions - 1 <= mid)
                throw r.Error("position_buckets", $"({PositionBuckets}) needs at least 2 buckets and max_relative_positions (effective {EffectiveMaxRelativePositions}) above position_buckets / 2 + 1");
        }
        if (ConvKernelSize > 0)
        {
            // transformers pads by (kernel - 1) / 2 on each side: an even kernel would change the sequence length.
            if (ConvKernelSize % 2 == 0) throw r.Error("conv_kernel_size", $"({ConvKernelSize}) must be odd to keep the sequence length");
            if (ConvGroups <= 0 || HiddenSize % ConvGroups != 0)
                throw r.Error("conv_groups", $"({ConvGroups}) must divide hidden_size ({HiddenSize})");
            ValidateActivation(ConvAct, r, "conv_act");
        }
    }

    /// <summary>Applies a pooler or convolution activation: "tanh" or one of <see cref="Activations"/>.</summary>
    internal static TorchSharp.torch.Tensor Activate(string name, TorchSharp.torch.Tensor x) => name == "tanh" ? x.tanh() : Activations.Apply(name, x);

    private static void ValidateActivation(string name, ConfigReader r, string field)
    {
        if (name != "tanh") Activations.Validate(name, r, field);
    }
}
