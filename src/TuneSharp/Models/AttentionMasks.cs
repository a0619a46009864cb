using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>
/// Helpers shared by the models to turn a 0/1 <c>attention_mask</c> into what attention needs.
/// Masks are additive: 0 where attention is allowed and the dtype's most negative finite value where it is not.
/// We use finfo(dtype).min (as current transformers does) rather than -inf, because a row where every key is
/// masked (a left-padding query) would otherwise give NaN in softmax; with min it gives a harmless finite
/// result that nobody reads. Compared with BERT's historical -10000, the result for real tokens is identical:
/// exp(-10000) and exp(min) both underflow to exactly 0 in fp32.
/// </summary>
public static class AttentionMasks
{
    /// <summary>
    /// Position ids counted from the first real token of each row: cumsum(mask) - 1 on real tokens.
    /// Pad positions get 1 (the value HF generate uses); they are masked out anyway. This is what makes
    /// left padding give the same result as no padding.
    /// </summary>
    public static Tensor PositionIdsFromMask(Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var mask = attentionMask.to_type(ScalarType.Int64);
        var positions = mask.cumsum(-1) - 1;
        return positions.masked_fill(mask.eq(0), 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Absolute position ids [B, T] for encoders with a learned position table (BERT, DistilBERT, ELECTRA): 0..T-1 for
    /// unpadded and right-padded rows, as transformers numbers them (padding included); real tokens of left-padded
    /// rows count from 0 (<see cref="PositionIdsFromMask"/>) and their pads keep their plain index, so the padding side
    /// does not change results.
    /// </summary>
    public static Tensor EncoderPositionIds(Tensor? attentionMask, long batch, long length, Device device)
    {
        using var scope = NewDisposeScope();
        var plain = arange(length, dtype: ScalarType.Int64, device: device).expand(batch, length);
        if (attentionMask is null) return plain.MoveToOuterDisposeScope();
        var mask = attentionMask.to(device);
        return where(mask.ne(0), PositionIdsFromMask(mask), plain).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A decoder step's position ids [B, T]: <paramref name="positionIds"/> when given, else counted over each row's real
    /// tokens (so a left-padded row gets the positions of an unpadded one, as transformers' generate gives them), else
    /// past..past+T-1. Every decoder's Decode starts here.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="attentionMask"/> does not cover the cached and the new tokens.</exception>
    public static Tensor DecoderPositionIds(Tensor? attentionMask, Tensor? positionIds, long batch, long length, long past, Device device)
    {
        if (attentionMask is not null && attentionMask.shape[1] != past + length)
            throw new ArgumentException($"attention_mask has {attentionMask.shape[1]} columns; it must cover the {past} cached and {length} new tokens ({past + length}).");
        return positionIds ?? (attentionMask is null
            ? arange(past, past + length, dtype: ScalarType.Int64, device: device).expand(batch, length)
            : PositionIdsFromMask(attentionMask.to(device)).narrow(1, past, length));
    }

    /// <summary>
    /// A decoder step's additive mask (<see cref="CausalPadding"/>), or null where none is needed: one new token without
    /// padding attends to every cached token, unless a <paramref name="slidingWindow"/> hides the oldest of them.
    /// </summary>
    public static Tensor? DecoderMask(Tensor? attentionMask, long batch, long length, long past, ScalarType dtype, Device device,
        long? slidingWindow = null) =>
        attentionMask is null && length == 1 && (slidingWindow is null || past <= slidingWindow)
            ? null
            : CausalPadding(attentionMask, batch, length, past, dtype, device, slidingWindow);

    /// <summary>
    /// Additive mask [B, 1, T, S] for queries at positions past..past+T-1 over keys 0..S-1 (S = past + T),
    /// combining causality (key j visible to query i when j &lt;= past + i) with the padding mask [B, S]. With a
    /// <paramref name="slidingWindow"/> W a query also sees only itself and the W keys before it (j &gt;= past + i − W), as
    /// transformers 4.40's masks, flash attention's window and Mistral's reference code count it, in sequence slots
    /// (padding slots too).
    /// </summary>
    /// <remarks>
    /// Packed rows (<c>--packing</c>) number their examples 1, 2, 3... in <paramref name="attentionMask"/> instead of
    /// all 1s (as axolotl's multipack does): a query then also sees only keys of its own example, so no example
    /// attends across a boundary. A 0/1 mask is the ordinary padding mask, unchanged.
    /// </remarks>
    public static Tensor CausalPadding(Tensor? attentionMask, long batch, long queryLength, long past, ScalarType dtype, Device device,
        long? slidingWindow = null)
    {
        using var scope = NewDisposeScope();
        var keyLength = past + queryLength;
        var queryPos = arange(past, keyLength, dtype: ScalarType.Int64, device: device).view(-1, 1);
        var keyPos = arange(0, keyLength, dtype: ScalarType.Int64, device: device).view(1, -1);
        var allowed = keyPos.le(queryPos);
        if (slidingWindow is { } window) allowed = allowed.logical_and(keyPos.ge(queryPos - window));
        allowed = allowed.view(1, 1, queryLength, keyLength);                             // [1,1,T,S]
        if (attentionMask is not null)
        {
            var keys = attentionMask.to(device);
            allowed = allowed.logical_and(keys.ne(0).view(batch, 1, 1, keyLength)); // [B,1,T,S]
            if (keys.max().item<long>() > 1)
            {
                var queries = keys.narrow(1, past, queryLength).view(batch, 1, queryLength, 1);
                allowed = allowed.logical_and(queries.eq(keys.view(batch, 1, 1, keyLength)));
            }
        }
        return ToAdditive(allowed, dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Additive mask [B, 1, 1, S] for a bidirectional encoder (only padding is masked).</summary>
    public static Tensor Padding(Tensor attentionMask, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var allowed = attentionMask.ne(0).view(attentionMask.shape[0], 1, 1, attentionMask.shape[1]);
        return ToAdditive(allowed, dtype).MoveToOuterDisposeScope();
    }

    private static Tensor ToAdditive(Tensor allowed, ScalarType dtype)
    {
        // where() instead of adding two masks: min + min would overflow to -inf.
        var blocked = full(1, finfo(dtype).min, dtype: dtype, device: allowed.device);
        var open = zeros(1, dtype: dtype, device: allowed.device);
        return where(allowed, open, blocked);
    }
}
