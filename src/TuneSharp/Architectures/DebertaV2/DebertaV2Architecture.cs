using System.Text.RegularExpressions;
using TuneSharp.Models;

namespace TuneSharp.Architectures.DebertaV2;

/// <summary>DeBERTa-v2/v3's registration (<c>model_type: "deberta-v2"</c>): see <see cref="ModelArchitecture"/>.</summary>
public static class DebertaV2Architecture
{
    /// <summary>What TuneSharp knows about DeBERTa-v2 and DeBERTa-v3.</summary>
    public static ModelArchitecture Registration { get; } = new()
    {
        ModelType = "deberta-v2",
        ClassPrefix = "DebertaV2",
        CreateConfig = () => new DebertaV2Config(),
        // The encoder has no pooler; the sequence classifier brings its own (ContextPooler).
        CreateBackbone = (config, _) => new DebertaV2Model((DebertaV2Config)config),
        BaseModelPrefix = "deberta",
        // transformers' _keys_to_ignore_on_load_unexpected ("position_embeddings": a v3 file's unused absolute table), the
        // position_ids buffer older files persist, and the pre-training heads of Microsoft's checkpoints (MLM, v3's RTD).
        IgnoreOnLoad = [@"position_embeddings", @"(^|\.)embeddings\.position_ids$", @"^lm_predictions\.", @"^mask_predictions\."],
        LayerPattern = new Regex(@"(?:^|\.)encoder\.layer\.(\d+)\.", RegexOptions.CultureInvariant),
        // PEFT 0.10's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING["deberta-v2"].
        DefaultLoraTargets = ["query_proj", "value_proj"],
        AdapterSites = new(@"attention\.output\.dense", @"output\.dense"),
        Activations = (config, batch, length) => Activations((DebertaV2Config)config, batch, length),
        ApplyDropout = (config, hidden, attention) =>
        {
            var deberta = (DebertaV2Config)config;
            if (hidden is { } h) deberta.HiddenDropoutProb = h;
            if (attention is { } a) deberta.AttentionProbsDropoutProb = a;
        },
        Heads = new Dictionary<ModelTask, TaskHead>
        {
            // ContextPooler then classifier, both at the top level: PEFT must save the pooler too (modules_to_save), or a
            // LoRA adapter on a base checkpoint would come back with a random pooler.
            [ModelTask.SequenceClassification] = new()
            {
                Module = "classifier", ExtraModules = ["pooler"], Dropout = c => ((DebertaV2Config)c).ClsDropout ?? ((DebertaV2Config)c).HiddenDropoutProb,
                Create = config => new DebertaV2ForSequenceClassification((DebertaV2Config)config),
            },
            // DebertaV2ForTokenClassification: dropout of hidden_dropout_prob (it reads no classifier_dropout).
            [ModelTask.TokenClassification] = new() { Module = "classifier", Dropout = c => ((DebertaV2Config)c).HiddenDropoutProb },
            // DebertaV2ForQuestionAnswering: no dropout before qa_outputs.
            [ModelTask.QuestionAnswering] = new() { Module = "qa_outputs" },
        },
    };

    /// <summary>
    /// One layer's saved tensors (T = batch × length tokens, H hidden, I intermediate, A heads, S length, R = 2·span rows
    /// of the relative table). As BERT's layer, 10·T·H (the layer input; Q, K, V; the context; the attention output's
    /// dropout mask; two LayerNorm inputs; the feed-forward input and its dropout mask) + 2·T·I (GELU input and output).
    /// The attention is written out (no fused kernel: the scores hold the relative terms), so its probabilities are
    /// kept, B·A·S², and with attention dropout also the mask and the dropped probabilities (3·B·A·S²). The
    /// content→position and position→content score matrices ([B, A, S, R] before the gather, [B, A, S, S] after) are
    /// not kept: the gathers keep only their indices (two [S, S], shared by all layers) and the sums nothing; but their
    /// gradients are, with the feed-forward one, the widest tensors of the backward pass. Per layer the relative table
    /// also keeps R·H (the projections' input, after the layer's own LayerNorm of the table and pos_dropout), its dropout
    /// mask, and one R·H per projected term. Kept only for weights: the context, the feed-forward input and the GELU
    /// output. The embeddings keep 2·T·H, and the convolution beside the first layer (conv_kernel_size) about 5·T·H more
    /// (its input, the masked output, the dropout mask, the activation's input and the LayerNorm's input).
    /// </summary>
    private static LayerActivations Activations(DebertaV2Config config, long batch, long length)
    {
        var tokens = batch * length;
        long h = config.HiddenSize, i = config.IntermediateSize, a = config.NumAttentionHeads;
        var squares = batch * a * length * length;
        var terms = config.RelativeAttention ? (config.ContentToPosition ? 1 : 0) + (config.PositionToContent ? 1 : 0) : 0;
        long rows = terms > 0 ? 2L * config.AttentionSpan : 0;
        var attention = config.AttentionProbsDropoutProb > 0 ? 3 * squares : squares;
        var relative = terms > 0 ? rows * h * (1 + (config.HiddenDropoutProb > 0 ? 1 : 0) + terms) : 0;
        var saved = 10 * tokens * h + 2 * tokens * i + attention + relative;
        var widest = Math.Max(tokens * i, Math.Max(squares, batch * a * length * rows));
        var embeddings = 2 * tokens * h + (config.ConvKernelSize > 0 ? 5 * tokens * h : 0);
        return new LayerActivations(saved, 2 * tokens * h + tokens * i, tokens * h, widest, embeddings, config.NumHiddenLayers);
    }
}
