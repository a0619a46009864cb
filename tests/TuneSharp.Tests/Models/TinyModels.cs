using TuneSharp.Architectures.Bert;
using TuneSharp.Architectures.DebertaV2;
using TuneSharp.Architectures.DistilBert;
using TuneSharp.Architectures.Electra;
using TuneSharp.Architectures.GptNeox;
using TuneSharp.Architectures.Gpt2;
using TuneSharp.Architectures.Llama;
using TuneSharp.Architectures.Roberta;
using TuneSharp.Models;

namespace TuneSharp.Tests.Models;

/// <summary>Small randomly initialised configs for tests that need no checkpoint.</summary>
internal static class TinyModels
{
    public static BertConfig Bert(double dropout = 0.1) => new()
    {
        VocabSize = 50, HiddenSize = 16, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 32,
        MaxPositionEmbeddings = 32, HiddenDropoutProb = dropout, AttentionProbsDropoutProb = dropout,
    };

    /// <summary>A RoBERTa-family config (pad 1, so positions 2..33 of 34): the same sizes as <see cref="Bert"/>, one token type.</summary>
    public static RobertaConfig Roberta(string modelType = "roberta", double dropout = 0.1) => new(modelType)
    {
        VocabSize = 50, HiddenSize = 16, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 32,
        MaxPositionEmbeddings = 34, TypeVocabSize = 1, LayerNormEps = 1e-5, HiddenDropoutProb = dropout, AttentionProbsDropoutProb = dropout,
    };

    /// <summary>A DistilBERT config of <see cref="Bert"/>'s sizes.</summary>
    public static DistilBertConfig DistilBert(double dropout = 0.1) => new()
    {
        VocabSize = 50, HiddenSize = 16, NumHiddenLayers = 2, NumAttentionHeads = 4, HiddenDim = 32, MaxPositionEmbeddings = 32,
        Dropout = dropout, AttentionDropout = dropout, SeqClassifDropout = dropout, QaDropout = dropout,
    };

    /// <summary>An ELECTRA config of <see cref="Bert"/>'s sizes with narrower embeddings (8), so the embedding projection is there.</summary>
    public static ElectraConfig Electra(double dropout = 0.1) => new()
    {
        VocabSize = 50, EmbeddingSize = 8, HiddenSize = 16, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 32,
        MaxPositionEmbeddings = 32, HiddenDropoutProb = dropout, AttentionProbsDropoutProb = dropout,
    };

    /// <summary>
    /// A DeBERTa-v3-like config of <see cref="Bert"/>'s sizes: relative attention with 4 log buckets over 16 positions (so
    /// inputs of 5 tokens already reach a bucketed distance), both relative terms, shared keys, no absolute positions.
    /// </summary>
    public static DebertaV2Config DebertaV2(double dropout = 0.1) => new()
    {
        VocabSize = 50, HiddenSize = 16, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 32, MaxPositionEmbeddings = 32,
        RelativeAttention = true, PositionBuckets = 4, MaxRelativePositions = 16, PosAttType = ["p2c", "c2p"], PositionBiasedInput = false,
        NormRelEbd = "layer_norm", ShareAttKey = true, HiddenDropoutProb = dropout, AttentionProbsDropoutProb = dropout,
    };

    /// <summary>A GPT-2 config (3 heads of 6, gelu_new, 40 positions), tied to the embeddings unless <paramref name="tied"/> is false.</summary>
    public static Gpt2Config Gpt2(bool tied = true, double dropout = 0.0) => new()
    {
        VocabSize = 40, HiddenSize = 18, NumHiddenLayers = 2, NumAttentionHeads = 3, NInner = 28, NPositions = 40,
        TieWordEmbeddings = tied, ResidPdrop = dropout, EmbdPdrop = dropout, AttnPdrop = dropout,
    };

    public static LlamaConfig Llama(bool tied = true, double attentionDropout = 0.0) => new()
    {
        VocabSize = 40, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 2, NumAttentionHeads = 4,
        NumKeyValueHeads = 2, MaxPositionEmbeddings = 64, TieWordEmbeddings = tied, AttentionDropout = attentionDropout,
    };

    /// <summary>A tiny Qwen2 (q/k/v biases, tied) or Mistral (sliding window of 3, shorter than the invariant tests' inputs).</summary>
    public static LlamaConfig LlamaVariant(string modelType)
    {
        LlamaConfig config = modelType switch
        {
            "qwen2" => new Qwen2Config { TieWordEmbeddings = true },
            "mistral" => new MistralConfig { SlidingWindowSize = 3 },
            _ => throw new ArgumentOutOfRangeException(nameof(modelType), modelType, null),
        };
        (config.VocabSize, config.HiddenSize, config.IntermediateSize, config.NumHiddenLayers) = (40, 16, 24, 2);
        (config.NumAttentionHeads, config.NumKeyValueHeads, config.MaxPositionEmbeddings) = (4, 2, 64);
        return config;
    }

    /// <summary>
    /// A GPT-NeoX config with Pythia's layout by default: half of each 4-wide head rotated (rotary_pct 0.5 gives 2 of 4
    /// dimensions), the parallel residual, an untied embed_out.
    /// </summary>
    public static GptNeoxConfig GptNeox(bool parallelResidual = true, bool tied = false, double dropout = 0.0) => new()
    {
        VocabSize = 40, HiddenSize = 16, IntermediateSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 4, RotaryPct = 0.5,
        MaxPositionEmbeddings = 64, UseParallelResidual = parallelResidual, TieWordEmbeddings = tied,
        HiddenDropout = dropout, AttentionDropout = dropout,
    };
}
