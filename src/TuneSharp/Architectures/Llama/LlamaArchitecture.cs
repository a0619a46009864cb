using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;

namespace TuneSharp.Architectures.Llama;

/// <summary>
/// The Llama family's registrations (see <see cref="ModelArchitecture"/>): <c>llama</c>, <c>qwen2</c> and <c>mistral</c> are
/// one network in transformers' code (weights under <c>model.</c>, the same layer names and PEFT defaults), whose configs
/// differ in biases (<see cref="LlamaConfig.QkvBias"/>) and attention windows (<see cref="LlamaConfig.SlidingWindow"/>).
/// </summary>
public static class LlamaArchitecture
{
    // A causal-LM checkpoint's output head has no place in other task models (expected, as in transformers).
    private const string CausalLmHead = @"^lm_head\.weight$";

    /// <summary>Llama (<c>model_type: "llama"</c>, LlamaFor*).</summary>
    public static ModelArchitecture Registration { get; } = Create("llama", "Llama", () => new LlamaConfig());

    /// <summary>Qwen2 (<c>model_type: "qwen2"</c>, Qwen2For*).</summary>
    public static ModelArchitecture Qwen2 { get; } = Create("qwen2", "Qwen2", () => new Qwen2Config());

    /// <summary>Mistral (<c>model_type: "mistral"</c>, MistralFor*).</summary>
    public static ModelArchitecture Mistral { get; } = Create("mistral", "Mistral", () => new MistralConfig());

    private static ModelArchitecture Create(string modelType, string classPrefix, Func<LlamaConfig> createConfig) => new()
    {
        ModelType = modelType,
        ClassPrefix = classPrefix,
        CreateConfig = createConfig,
        CreateBackbone = (config, _) => new LlamaModel((LlamaConfig)config),
        BaseModelPrefix = "model",
        // A buffer older checkpoints persisted; it is derived from rope_theta instead.
        IgnoreOnLoad = [@"rotary_emb\.inv_freq$"],
        LayerPattern = new Regex(@"(?:^|\.)layers\.(\d+)\.", RegexOptions.CultureInvariant),
        // PEFT 0.10's defaults for llama and mistral (it lists no qwen2; q_proj, v_proj is what its later versions use).
        DefaultLoraTargets = ["q_proj", "v_proj"],
        AdapterSites = new(@"self_attn\.o_proj", @"mlp\.down_proj"),
        Activations = (config, batch, length) => Activations((LlamaConfig)config, batch, length),
        // HF's Llama has attention dropout only; there is no hidden dropout to override.
        ApplyDropout = (config, _, attention) =>
        {
            if (attention is { } a) ((LlamaConfig)config).AttentionDropout = a;
        },
        TiesWordEmbeddings = config => ((LlamaConfig)config).TieWordEmbeddings,
        Heads = new Dictionary<ModelTask, TaskHead>
        {
            [ModelTask.SequenceClassification] = new()
            {
                Module = "score", Bias = false, IgnoreOnLoad = [CausalLmHead], Create = config => new LastTokenClassifier(config),
            },
            // As transformers' LlamaForTokenClassification (4.41 on): dropout, then score with a bias.
            [ModelTask.TokenClassification] = new() { Module = "score", Dropout = TokenHeadDropout, IgnoreOnLoad = [CausalLmHead] },
            [ModelTask.CausalLm] = new() { Module = "lm_head", Bias = false },
        },
    };

    // classifier_dropout, else hidden_dropout, else 0.1 (transformers' LlamaForTokenClassification).
    private static double TokenHeadDropout(PretrainedConfig config) =>
        SequenceClassificationConfig.ClassifierDropout(config)
        ?? (config.ExtraFields["hidden_dropout"] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<JsonElement>().GetDouble() : 0.1);

    /// <summary>
    /// One Llama layer's saved tensors: 11·T·H (each RMSNorm's input, normalised input and output; Q after rotation; K and
    /// V repeated to all heads; the attention output and its reshaped copy for the output projection) + 4·T·I (gate, up,
    /// SiLU output, their product) + the fused attention's log-sum-exp (B·A·S), or 3·B·A·S² with attention dropout. Kept
    /// only for weights: the second RMSNorm output, the output projection's input and the SiLU-gate product (2·T·H + T·I).
    /// </summary>
    private static LayerActivations Activations(LlamaConfig llama, long batch, long length)
    {
        var tokens = batch * length;
        long h = llama.HiddenSize, i = llama.IntermediateSize, a = llama.NumAttentionHeads;
        var squares = batch * a * length * length;
        var attention = llama.AttentionDropout > 0 ? 3 * squares : batch * a * length;
        var saved = 11 * tokens * h + 4 * tokens * i + attention;
        var widest = Math.Max(tokens * i, llama.AttentionDropout > 0 ? squares : 0);
        return new LayerActivations(saved, 2 * tokens * h + tokens * i, tokens * h, widest, 0, llama.NumHiddenLayers);
    }
}
