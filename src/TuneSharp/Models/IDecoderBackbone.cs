using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>
/// A causal decoder's body (transformers' <c>LlamaModel</c>, <c>GPT2Model</c>, <c>GPTNeoXModel</c>, ...): a backbone that
/// also continues from a <see cref="KvCache"/> and takes explicit position ids, which is what generation and the
/// language-model head (<c>Tasks.CausalLm.CausalLanguageModel</c>) need beyond <see cref="IBackbone"/>.
/// </summary>
public interface IDecoderBackbone : IBackbone
{
    /// <summary>Number of attention layers (one <see cref="KvCache"/> slot each).</summary>
    int NumLayers { get; }

    /// <summary>
    /// Final hidden states [B, T, hidden] (after the final norm). Exactly one of <paramref name="inputIds"/> [B, T] and
    /// <paramref name="inputsEmbeds"/> [B, T, hidden] is given. <paramref name="attentionMask"/> [B, past + T] marks real (1)
    /// and padding (0) tokens, cached ones included; <paramref name="positionIds"/> [B, T] default to counting each row's
    /// real tokens, so a left-padded row gets the positions of an unpadded one (as transformers' generate does). With a
    /// <paramref name="cache"/> the new tokens also attend to the cached ones, and this call's keys and values are appended.
    /// </summary>
    Tensor Decode(Tensor? inputIds, Tensor? inputsEmbeds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null);
}
