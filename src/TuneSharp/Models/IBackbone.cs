using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>
/// The body of a transformer without any task head (transformers' <c>BertModel</c>, <c>LlamaModel</c>): token ids or
/// word embeddings in, one hidden state per token out. Task heads (classification, token classification, question
/// answering, language modelling) are separate modules on top, so one backbone serves every task.
/// </summary>
public interface IBackbone
{
    /// <summary>The backbone as a TorchSharp module (its parameters, train()/eval()).</summary>
    nn.Module Module { get; }

    /// <summary>The word embedding table ([vocab, hidden]) that turns ids into the vectors the first layer sees.</summary>
    Embedding WordEmbeddings { get; }

    /// <summary>Recompute each layer in the backward pass instead of keeping its activations.</summary>
    bool GradientCheckpointing { get; set; }

    /// <summary>
    /// Runs the layers. Exactly one of <paramref name="inputIds"/> [B, T] (int64) and <paramref name="inputsEmbeds"/>
    /// [B, T, hidden] is given; <paramref name="attentionMask"/> [B, T] is 1 for real tokens and 0 for padding (either
    /// side); <paramref name="tokenTypeIds"/> are segment ids for architectures that have them (ignored otherwise).
    /// </summary>
    BackboneOutput Forward(Tensor? inputIds, Tensor? inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds);
}

/// <summary>What a backbone returns. Dispose it (or let a dispose scope do it).</summary>
/// <param name="LastHiddenState">[B, T, hidden] hidden state of every position after the last layer (and final norm).</param>
/// <param name="PooledOutput">[B, hidden] the architecture's pooled sequence vector where it has one (BERT's pooler), else null.</param>
public sealed record BackboneOutput(Tensor LastHiddenState, Tensor? PooledOutput) : IDisposable
{
    /// <inheritdoc/>
    public void Dispose()
    {
        LastHiddenState.Dispose();
        PooledOutput?.Dispose();
    }
}
