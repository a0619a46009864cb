using static TorchSharp.torch;

namespace TuneSharp.Inference;

/// <summary>
/// transformers' RepetitionPenaltyLogitsProcessor: the score of every token id already in a row's sequence is pushed
/// down, a negative one multiplied by the penalty and a positive one divided by it (so the penalty always lowers it when
/// it is above 1, whatever the sign). Each id counts once however often it occurs.
/// </summary>
public static class RepetitionPenalty
{
    /// <summary>
    /// <paramref name="scores"/> [B, V] with the penalty applied to the ids in each row's <paramref name="sequences"/>
    /// (a new tensor; 1 returns the scores as they are).
    /// </summary>
    public static Tensor Apply(Tensor scores, IReadOnlyList<IReadOnlyList<int>> sequences, double penalty)
    {
        if (penalty == 1.0) return scores;
        if (sequences.Count != scores.shape[0]) throw new ArgumentException($"{sequences.Count} sequences for {scores.shape[0]} rows of scores.");
        using var scope = NewDisposeScope();
        // Rows differ in length: the shorter ones repeat their first id, which changes nothing since an id is penalised once.
        var width = sequences.Max(s => s.Count);
        var ids = new long[sequences.Count * width];
        for (var row = 0; row < sequences.Count; row++)
            for (var col = 0; col < width; col++)
                ids[row * width + col] = sequences[row][col < sequences[row].Count ? col : 0];
        var index = tensor(ids, [sequences.Count, width], device: scores.device);
        var seen = scores.gather(1, index);
        var penalised = where(seen.lt(0), seen * penalty, seen / penalty);
        return scores.scatter(1, index, penalised).MoveToOuterDisposeScope();
    }
}
