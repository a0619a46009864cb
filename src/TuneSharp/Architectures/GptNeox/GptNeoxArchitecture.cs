using System.Text.RegularExpressions;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;

namespace TuneSharp.Architectures.GptNeox;

/// <summary>GPT-NeoX's registration (<c>model_type: "gpt_neox"</c>, Pythia and GPT-NeoX-20B): see <see cref="ModelArchitecture"/>.</summary>
public static class GptNeoxArchitecture
{
    // A causal-LM checkpoint's output head has no place in other task models (expected, as in transformers).
    private const string CausalLmHead = @"^embed_out\.weight$";

    /// <summary>What TuneSharp knows about GPT-NeoX.</summary>
    public static ModelArchitecture Registration { get; } = new()
    {
        ModelType = "gpt_neox",
        ClassPrefix = "GPTNeoX",
        CreateConfig = () => new GptNeoxConfig(),
        CreateBackbone = (config, _) => new GptNeoxModel((GptNeoxConfig)config),
        BaseModelPrefix = "gpt_neox",
        // Buffers that older checkpoints (the original Pythia files among them) persisted and that are computed instead:
        // the causal mask (attention.bias), its fill value (attention.masked_bias) and the rotary frequencies.
        IgnoreOnLoad = [@"(^|\.)attention\.(bias|masked_bias)$", @"(^|\.)rotary_emb\.inv_freq$"],
        LayerPattern = new Regex(@"(?:^|\.)layers\.(\d+)\.", RegexOptions.CultureInvariant),
        // PEFT 0.10's default for gpt_neox: the fused projection, so queries, keys and values all adapt.
        DefaultLoraTargets = ["query_key_value"],
        AdapterSites = new(@"attention\.dense", @"mlp\.dense_4h_to_h"),
        Activations = (config, batch, length) => Activations((GptNeoxConfig)config, batch, length),
        ApplyDropout = (config, hidden, attention) =>
        {
            var neox = (GptNeoxConfig)config;
            if (hidden is { } h) neox.HiddenDropout = h;
            if (attention is { } a) neox.AttentionDropout = a;
        },
        TiesWordEmbeddings = config => ((GptNeoxConfig)config).TieWordEmbeddings,
        Heads = new Dictionary<ModelTask, TaskHead>
        {
            [ModelTask.SequenceClassification] = new()
            {
                Module = "score", Bias = false, IgnoreOnLoad = [CausalLmHead], Create = config => new LastTokenClassifier(config),
            },
            // GPTNeoXForTokenClassification: dropout(classifier_dropout), then classifier with a bias.
            [ModelTask.TokenClassification] = new() { Module = "classifier", Dropout = TokenHeadDropout, IgnoreOnLoad = [CausalLmHead] },
            // GPTNeoXForQuestionAnswering: qa_outputs straight on the hidden states, no dropout.
            [ModelTask.QuestionAnswering] = new() { Module = "qa_outputs", IgnoreOnLoad = [CausalLmHead] },
            [ModelTask.CausalLm] = new() { Module = "embed_out", Bias = false },
        },
    };

    // transformers cannot build the token classifier when classifier_dropout is null; its default (0.1) stands in.
    private static double TokenHeadDropout(PretrainedConfig config) => ((GptNeoxConfig)config).ClassifierDropout ?? 0.1;

    /// <summary>
    /// One GPT-NeoX layer's saved tensors (T = batch × length tokens, H hidden, I intermediate, A heads, S length): the
    /// layer input (read by LN₁, and by LN₂ too with the parallel residual; the sequential residual adds LN₂'s own input),
    /// both LayerNorm outputs, the fused q/k/v projection output (3·T·H, held whole by the value view attention keeps),
    /// the rotated queries and keys, the attention output and its reshaped copy for <c>dense</c>: 10·T·H parallel, 11·T·H
    /// sequential; + 2·T·I (GELU input and output) + the fused attention's log-sum-exp (B·A·S), or 3·B·A·S² with
    /// attention dropout; + two T·H dropout masks with hidden dropout. Kept only for weights: both LayerNorm outputs, the
    /// reshaped attention output and the GELU output (3·T·H + T·I). The embeddings keep their dropout mask (hidden dropout).
    /// </summary>
    private static LayerActivations Activations(GptNeoxConfig neox, long batch, long length)
    {
        var tokens = batch * length;
        long h = neox.HiddenSize, i = neox.IntermediateSize, a = neox.NumAttentionHeads;
        var squares = batch * a * length * length;
        var attention = neox.AttentionDropout > 0 ? 3 * squares : batch * a * length;
        var masks = neox.HiddenDropout > 0 ? 2 * tokens * h : 0;
        var saved = (neox.UseParallelResidual ? 10 : 11) * tokens * h + 2 * tokens * i + attention + masks;
        var widest = Math.Max(Math.Max(tokens * i, 3 * tokens * h), neox.AttentionDropout > 0 ? squares : 0);
        var embeddings = neox.HiddenDropout > 0 ? tokens * h : 0;
        return new LayerActivations(saved, 3 * tokens * h + tokens * i, tokens * h, widest, embeddings, neox.NumHiddenLayers);
    }
}
