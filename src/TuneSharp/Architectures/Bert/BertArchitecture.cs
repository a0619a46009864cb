using System.Text.RegularExpressions;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;

namespace TuneSharp.Architectures.Bert;

/// <summary>BERT's registration (<c>model_type: "bert"</c>): see <see cref="ModelArchitecture"/>.</summary>
public static class BertArchitecture
{
    /// <summary>What TuneSharp knows about BERT.</summary>
    public static ModelArchitecture Registration { get; } = new()
    {
        ModelType = "bert",
        ClassPrefix = "Bert",
        CreateConfig = () => new BertConfig(),
        CreateBackbone = (config, pooler) => new BertModel((BertConfig)config, addPoolingLayer: pooler),
        BaseModelPrefix = "bert",
        // Older checkpoints persist this constant buffer; positions are computed instead.
        IgnoreOnLoad = [@"(^|\.)embeddings\.position_ids$"],
        LayerPattern = new Regex(@"(?:^|\.)encoder\.layer\.(\d+)\.", RegexOptions.CultureInvariant),
        DefaultLoraTargets = ["query", "value"],
        AdapterSites = new(@"attention\.output\.dense", @"output\.dense"),
        Activations = (config, batch, length) => Activations((BertConfig)config, batch, length),
        ApplyDropout = (config, hidden, attention) =>
        {
            var bert = (BertConfig)config;
            if (hidden is { } h) bert.HiddenDropoutProb = h;
            if (attention is { } a) bert.AttentionProbsDropoutProb = a;
        },
        Heads = new Dictionary<ModelTask, TaskHead>
        {
            [ModelTask.SequenceClassification] = new()
            {
                Module = "classifier", Dropout = HeadDropout, Create = config => new BertForSequenceClassification((BertConfig)config),
            },
            // transformers' BertForTokenClassification has no pooler, and ignores a base checkpoint's.
            [ModelTask.TokenClassification] = new() { Module = "classifier", Dropout = HeadDropout, IgnoreOnLoad = [@"^(bert\.)?pooler\."] },
            // BertForQuestionAnswering: no pooler and no dropout before qa_outputs.
            [ModelTask.QuestionAnswering] = new() { Module = "qa_outputs", IgnoreOnLoad = [@"^(bert\.)?pooler\."] },
        },
    };

    // classifier_dropout when the config sets it, else hidden_dropout_prob (BertFor*Classification).
    internal static double HeadDropout(PretrainedConfig config) =>
        SequenceClassificationConfig.ClassifierDropout(config) ?? ((BertConfig)config).HiddenDropoutProb;

    /// <summary>
    /// One BERT layer's saved tensors (T = batch × length tokens, H hidden, I intermediate, A heads, S length): 10·T·H
    /// (attention input; Q, K, V; context; the attention output's dropout mask; two LayerNorm inputs; the feed-forward
    /// input and its dropout mask) + 2·T·I (GELU input and output) + with attention dropout 3·B·A·S² (softmax output, its
    /// dropout mask, the dropped probabilities), without it the fused kernel's output and log-sum-exp (T·H + B·A·S). Kept
    /// only for weights: the context, the feed-forward input and the GELU output (2·T·H + T·I).
    /// </summary>
    internal static LayerActivations Activations(BertConfig bert, long batch, long length)
    {
        var tokens = batch * length;
        long h = bert.HiddenSize, i = bert.IntermediateSize, a = bert.NumAttentionHeads;
        var squares = batch * a * length * length;
        var attention = bert.AttentionProbsDropoutProb > 0 ? 3 * squares : tokens * h + batch * a * length;
        var saved = 10 * tokens * h + 2 * tokens * i + attention;
        var widest = Math.Max(tokens * i, bert.AttentionProbsDropoutProb > 0 ? squares : 0);
        return new LayerActivations(saved, 2 * tokens * h + tokens * i, tokens * h, widest, 2 * tokens * h, bert.NumHiddenLayers);
    }
}
