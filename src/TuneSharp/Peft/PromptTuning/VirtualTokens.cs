using TorchSharp.Modules;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Peft.PromptTuning;

/// <summary>Puts prompt tuning's virtual tokens in front of a batch, as PEFT does for every task.</summary>
internal static class VirtualTokens
{
    /// <summary>
    /// The prompt [N, hidden] in front of <paramref name="inputsEmbeds"/> [B, T, hidden], the attention mask extended with
    /// ones and the token types with zeros (the tensors belong to the caller's dispose scope).
    /// </summary>
    /// <exception cref="PeftException">The input plus the virtual tokens exceed the model's positions.</exception>
    public static (Tensor Embeds, Tensor Mask, Tensor? Types) Prepend(Embedding prompt, PretrainedConfig config, Tensor inputsEmbeds,
        Tensor attentionMask, Tensor? tokenTypeIds)
    {
        var (batch, length) = (inputsEmbeds.shape[0], inputsEmbeds.shape[1]);
        var virtualTokens = prompt.weight!.shape[0];
        var positions = config.MaxPositions;
        if (length + virtualTokens > positions)
            throw new PeftException(
                $"The input has {length} tokens and prompt tuning adds {virtualTokens} virtual tokens, but this model has only " +
                $"{positions} positions (max_position_embeddings); use a max length of at most {positions - virtualTokens}.");
        var device = inputsEmbeds.device;
        // PEFT keeps the prompt in float32 and casts it to the embeddings' dtype for the forward pass.
        var expanded = prompt.weight!.to(inputsEmbeds.dtype).unsqueeze(0).expand(batch, -1, -1);
        var embeds = cat([expanded, inputsEmbeds], 1);
        var mask = cat([ones(batch, virtualTokens, dtype: attentionMask.dtype, device: device), attentionMask.to(device)], 1);
        var types = tokenTypeIds is null ? null
            : cat([zeros(batch, virtualTokens, dtype: tokenTypeIds.dtype, device: device), tokenTypeIds.to(device)], 1);
        return (embeds, mask, types);
    }
}
