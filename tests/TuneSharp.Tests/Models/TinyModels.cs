using TuneSharp.Architectures.Bert;
using TuneSharp.Architectures.DistilBert;
using TuneSharp.Architectures.Electra;
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
}
