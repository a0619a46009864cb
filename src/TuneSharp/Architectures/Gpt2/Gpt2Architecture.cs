using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;

namespace TuneSharp.Architectures.Gpt2;

/// <summary>GPT-2's registration (<c>model_type: "gpt2"</c>): see <see cref="ModelArchitecture"/>.</summary>
public static class Gpt2Architecture
{
    // A causal-LM checkpoint's output head has no place in the other task models (expected, as in transformers). Tied
    // checkpoints do not store it; untied ones do.
    private const string CausalLmHead = @"^lm_head\.weight$";

    /// <summary>What TuneSharp knows about GPT-2.</summary>
    public static ModelArchitecture Registration { get; } = new()
    {
        ModelType = "gpt2",
        ClassPrefix = "GPT2",
        CreateConfig = () => new Gpt2Config(),
        CreateBackbone = (config, _) => new Gpt2Model((Gpt2Config)config),
        BaseModelPrefix = "transformer",
        // The causal-mask buffers (attn.bias, attn.masked_bias) that checkpoints from before transformers made them
        // non-persistent still hold (the original "gpt2" files do); the mask is computed instead. Not attn.c_attn.bias.
        IgnoreOnLoad = [@"(?:^|\.)h\.\d+\.attn\.(?:bias|masked_bias)$"],
        // transformers' Conv1D keeps these weights [in, out]; TuneSharp's Linear modules keep [out, in].
        TransposedWeights = [@"(?:^|\.)h\.\d+\.(?:attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$"],
        LayerPattern = new Regex(@"(?:^|\.)h\.(\d+)\.", RegexOptions.CultureInvariant),
        // PEFT 0.10's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING["gpt2"].
        DefaultLoraTargets = ["c_attn"],
        AdapterSites = new(@"attn\.c_proj", @"mlp\.c_proj"),
        Activations = (config, batch, length) => Activations((Gpt2Config)config, batch, length),
        // Hidden dropout is GPT-2's residual dropout and its embedding dropout (transformers' hidden_dropout_prob maps to neither).
        ApplyDropout = (config, hidden, attention) =>
        {
            var gpt2 = (Gpt2Config)config;
            if (hidden is { } h) (gpt2.ResidPdrop, gpt2.EmbdPdrop) = (h, h);
            if (attention is { } a) gpt2.AttnPdrop = a;
        },
        TiesWordEmbeddings = config => ((Gpt2Config)config).TieWordEmbeddings,
        Heads = new Dictionary<ModelTask, TaskHead>
        {
            // GPT2ForSequenceClassification: score (no bias) on the last real token.
            [ModelTask.SequenceClassification] = new()
            {
                Module = "score", Bias = false, IgnoreOnLoad = [CausalLmHead], Create = config => new LastTokenClassifier(config),
            },
            // GPT2ForTokenClassification: dropout, then classifier with a bias.
            [ModelTask.TokenClassification] = new() { Module = "classifier", Dropout = TokenHeadDropout, IgnoreOnLoad = [CausalLmHead] },
            // GPT2ForQuestionAnswering: qa_outputs (start, end) with a bias, no dropout.
            [ModelTask.QuestionAnswering] = new() { Module = "qa_outputs", IgnoreOnLoad = [CausalLmHead] },
            // GPT2LMHeadModel: lm_head without a bias, tied to wte unless tie_word_embeddings is false.
            [ModelTask.CausalLm] = new() { Module = "lm_head", Bias = false, ClassName = "GPT2LMHeadModel" },
        },
    };

    // classifier_dropout, else hidden_dropout, else 0.1 (transformers' GPT2ForTokenClassification; GPT2Config has neither
    // field of its own, so 0.1 unless config.json adds one).
    private static double TokenHeadDropout(PretrainedConfig config) =>
        SequenceClassificationConfig.ClassifierDropout(config)
        ?? (config.ExtraFields["hidden_dropout"] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<JsonElement>().GetDouble() : 0.1);

    /// <summary>
    /// One GPT-2 block's saved tensors (T = batch × length tokens, H = n_embd, I = the MLP width, A heads, S length):
    /// 8·T·H (each LayerNorm's input and output; c_attn's q, k, v output; the merged heads copied for c_proj) + 2·T·I (c_fc
    /// output, activation output) + with resid_pdrop the two dropout masks (2·T·H) + with attn_pdrop 3·B·A·S² (softmax
    /// output, its mask, the dropped probabilities) and the scaled q (T·H), without it the fused kernel's output and
    /// log-sum-exp (T·H + B·A·S) and the rescaled q when GPT-2's scaling is not plain 1/√head_dim (T·H). Kept only for
    /// weights: the LayerNorm outputs, c_proj's two inputs (3·T·H + T·I). The embeddings keep embd_pdrop's mask (T·H).
    /// Not counted: the fp32 copies reorder_and_upcast_attn makes under bf16.
    /// </summary>
    private static LayerActivations Activations(Gpt2Config gpt2, long batch, long length)
    {
        var tokens = batch * length;
        long h = gpt2.HiddenSize, i = gpt2.InnerSize, a = gpt2.NumAttentionHeads;
        var squares = batch * a * length * length;
        var rescaled = !gpt2.ScaleAttnWeights || gpt2.ScaleAttnByInverseLayerIdx;
        var attention = gpt2.AttnPdrop > 0
            ? 3 * squares + tokens * h
            : tokens * h + batch * a * length + (rescaled ? tokens * h : 0);
        var masks = gpt2.ResidPdrop > 0 ? 2 * tokens * h : 0;
        var saved = 8 * tokens * h + 2 * tokens * i + masks + attention;
        var widest = Math.Max(Math.Max(tokens * i, 3 * tokens * h), gpt2.AttnPdrop > 0 ? squares : 0);
        var embeddings = gpt2.EmbdPdrop > 0 ? tokens * h : 0;
        return new LayerActivations(saved, 3 * tokens * h + tokens * i, tokens * h, widest, embeddings, gpt2.NumHiddenLayers);
    }
}
