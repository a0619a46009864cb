using static TorchSharp.torch;

namespace TuneSharp.Tasks.SequenceClassification;

/// <summary>
/// Picks each row's last real token, where a causal decoder has seen the whole sequence.
/// </summary>
/// <remarks>
/// transformers finds that token from <c>pad_token_id</c> (the rightmost token that is not the pad id). That breaks
/// in common setups: Llama checkpoints usually define no pad token (HF then refuses batches larger than one), and
/// the usual workaround pad = eos makes a real trailing eos look like padding, so the wrong token is pooled. The
/// attention mask is what the tokenizer produced to say which tokens are real, so it works for left padding,
/// right padding and any pad id, and agrees with HF whenever HF's rule is right.
/// </remarks>
public static class LastTokenPooling
{
    /// <summary>
    /// Index [B] (int64) of the last position whose mask is non-zero in each row of <paramref name="attentionMask"/>
    /// [B, T]; 0 for a row without real tokens.
    /// </summary>
    public static Tensor LastRealTokenIndex(Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var length = attentionMask.shape[1];
        var positions = arange(length, dtype: ScalarType.Int64, device: attentionMask.device);
        // Position where real, 0 where padding: the maximum is the last real position.
        var realPositions = positions * attentionMask.ne(0).to_type(ScalarType.Int64);
        return realPositions.argmax(-1).MoveToOuterDisposeScope();
    }

    /// <summary><paramref name="hidden"/> [B, T, H] at each row's last real token → [B, H].</summary>
    public static Tensor Pool(Tensor hidden, Tensor? attentionMask)
    {
        using var scope = NewDisposeScope();
        var (batch, length) = (hidden.shape[0], hidden.shape[1]);
        var last = attentionMask is null
            ? full(batch, length - 1, dtype: ScalarType.Int64, device: hidden.device)
            : LastRealTokenIndex(attentionMask.to(hidden.device));
        var rows = arange(batch, dtype: ScalarType.Int64, device: hidden.device);
        return hidden.index(rows, last).MoveToOuterDisposeScope();
    }
}
