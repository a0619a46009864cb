namespace TuneSharp.Inference;

/// <summary>
/// The best finished sequences of a beam search (transformers' BeamHypotheses): at most num_beams of them, each ranked by
/// summed log-probability / generated_length^length_penalty, the worst one dropped when a better one arrives.
/// </summary>
internal sealed class FinishedBeams
{
    private readonly int _capacity;
    private readonly double _lengthPenalty;
    private readonly bool _earlyStopping;
    private readonly List<(double Score, int[] Tokens, bool AtStopToken)> _beams = [];
    private double _worst = 1e9; // transformers' starting value: the first additions always get in

    public FinishedBeams(int capacity, double lengthPenalty, bool earlyStopping)
    {
        _capacity = capacity;
        _lengthPenalty = lengthPenalty;
        _earlyStopping = earlyStopping;
    }

    public int Count => _beams.Count;

    /// <summary>
    /// Offers a sequence (prompt and new tokens, without the stop token that ended it) whose new part is
    /// <paramref name="generatedLength"/> tokens long (a stop token counted).
    /// </summary>
    public void Add(IReadOnlyList<int> tokens, double sumLogProbs, int generatedLength, bool atStopToken)
    {
        var score = sumLogProbs / Math.Pow(generatedLength, _lengthPenalty);
        if (_beams.Count >= _capacity && score <= _worst) return;
        _beams.Add((score, tokens.ToArray(), atStopToken));
        if (_beams.Count <= _capacity)
        {
            _worst = Math.Min(score, _worst);
            return;
        }
        // Over capacity: drop the lowest score (the earliest added among equals), the next lowest becomes the worst.
        var order = Enumerable.Range(0, _beams.Count).OrderBy(i => _beams[i].Score).ThenBy(i => i).ToArray();
        _worst = _beams[order[1]].Score;
        _beams.RemoveAt(order[0]);
    }

    /// <summary>
    /// Whether no running beam can still improve the list: it is full, and either early_stopping is on, or the best
    /// running score divided by the current length's penalty (the denominator transformers uses, the current new-token
    /// count) is no better than the worst finished one.
    /// </summary>
    public bool IsDone(double bestRunningSum, int generatedLength)
    {
        if (_beams.Count < _capacity) return false;
        if (_earlyStopping) return true;
        return _worst >= bestRunningSum / Math.Pow(generatedLength, _lengthPenalty);
    }

    /// <summary>The highest-scoring sequence; among equal scores the latest added (as a stable sort's last element).</summary>
    public (int[] Tokens, bool AtStopToken) Best()
    {
        var best = 0;
        for (var i = 1; i < _beams.Count; i++)
            if (_beams[i].Score >= _beams[best].Score) best = i;
        return (_beams[best].Tokens, _beams[best].AtStopToken);
    }
}
