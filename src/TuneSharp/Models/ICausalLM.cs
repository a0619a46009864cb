using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>
/// What text generation and the CLI need from a decoder-only language model (every registered decoder).
/// </summary>
public interface ICausalLM
{
    /// <summary>The model's config (eos/bos ids, vocabulary size, ...).</summary>
    PretrainedConfig Config { get; }

    /// <summary>The model as a TorchSharp module (for eval()/train(), parameters, device moves).</summary>
    nn.Module Module { get; }

    /// <summary>Vocabulary size (last dimension of the logits).</summary>
    int VocabSize { get; }

    /// <summary>A new, empty KV cache sized for this model.</summary>
    KvCache CreateCache();

    /// <summary>
    /// Logits [B, T, V] for <paramref name="inputIds"/> [B, T]. <paramref name="attentionMask"/> [B, past + T] marks
    /// real (1) and padding (0) tokens including cached ones; <paramref name="positionIds"/> default to counting real
    /// tokens. With a <paramref name="cache"/>, attends to the cached tokens and appends this call's keys/values.
    /// </summary>
    Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null);
}
