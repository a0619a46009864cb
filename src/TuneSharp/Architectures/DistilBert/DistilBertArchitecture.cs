using System.Text.RegularExpressions;
using TuneSharp.Models;

namespace TuneSharp.Architectures.DistilBert;

/// <summary>DistilBERT's registration (<c>model_type: "distilbert"</c>): see <see cref="ModelArchitecture"/>.</summary>
public static class DistilBertArchitecture
{
    /// <summary>What TuneSharp knows about DistilBERT.</summary>
    public static ModelArchitecture Registration { get; } = new()
    {
        ModelType = "distilbert",
        ClassPrefix = "DistilBert",
        CreateConfig = () => new DistilBertConfig(),
        // DistilBERT has no pooler, whatever the task.
        CreateBackbone = (config, _) => new DistilBertModel((DistilBertConfig)config),
        BaseModelPrefix = "distilbert",
        IgnoreOnLoad = [@"(^|\.)embeddings\.position_ids$"],
        LayerPattern = new Regex(@"(?:^|\.)transformer\.layer\.(\d+)\.", RegexOptions.CultureInvariant),
        // PEFT 0.10's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING["distilbert"].
        DefaultLoraTargets = ["q_lin", "v_lin"],
        AdapterSites = new(@"attention\.out_lin", @"ffn\.lin2"),
        Activations = (config, batch, length) => Activations((DistilBertConfig)config, batch, length),
        ApplyDropout = (config, hidden, attention) =>
        {
            var distil = (DistilBertConfig)config;
            if (hidden is { } h) distil.Dropout = h;
            if (attention is { } a) distil.AttentionDropout = a;
        },
        Heads = new Dictionary<ModelTask, TaskHead>
        {
            // pre_classifier → ReLU → dropout → classifier; PEFT must save both layers (modules_to_save), or a LoRA
            // adapter would come back with a random pre_classifier.
            [ModelTask.SequenceClassification] = new()
            {
                Module = "classifier", ExtraModules = ["pre_classifier"], Dropout = c => ((DistilBertConfig)c).SeqClassifDropout,
                Create = config => new DistilBertForSequenceClassification((DistilBertConfig)config),
            },
            [ModelTask.TokenClassification] = new() { Module = "classifier", Dropout = c => ((DistilBertConfig)c).Dropout },
            [ModelTask.QuestionAnswering] = new() { Module = "qa_outputs", Dropout = c => ((DistilBertConfig)c).QaDropout },
        },
    };

    /// <summary>
    /// One block's saved tensors (T tokens, H dim, I hidden_dim, A heads, S length), as BERT's layer but for the
    /// attention output's dropout, which DistilBERT does not have: 9·T·H + 2·T·I + the attention term (with attention
    /// dropout 3·B·A·S², else the fused kernel's output and log-sum-exp). Kept only for weights: the context, the
    /// feed-forward input and the activation's output.
    /// </summary>
    private static LayerActivations Activations(DistilBertConfig config, long batch, long length)
    {
        var tokens = batch * length;
        long h = config.HiddenSize, i = config.HiddenDim, a = config.NumAttentionHeads;
        var squares = batch * a * length * length;
        var attention = config.AttentionDropout > 0 ? 3 * squares : tokens * h + batch * a * length;
        var saved = 9 * tokens * h + 2 * tokens * i + attention;
        var widest = Math.Max(tokens * i, config.AttentionDropout > 0 ? squares : 0);
        return new LayerActivations(saved, 2 * tokens * h + tokens * i, tokens * h, widest, 2 * tokens * h, config.NumHiddenLayers);
    }
}
