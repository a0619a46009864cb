namespace TuneSharp.Tasks.CausalLm;

/// <summary>
/// The free room of packing rows, for first fit in O(log n) per example: a max tree over the rows' room, so the
/// first row with enough room is found without scanning every row (a linear scan is quadratic on 100k examples).
/// Rows not opened yet have the full room, so "the first row with room" is a new row when no open one fits.
/// </summary>
internal sealed class FirstFitRows
{
    private readonly int _leaves;
    private readonly int[] _max; // _max[1] is the root; leaf r is _max[_leaves + r]

    public FirstFitRows(int maxRows, int rowLength)
    {
        _leaves = 1;
        while (_leaves < Math.Max(maxRows, 1)) _leaves *= 2;
        _max = new int[2 * _leaves];
        Array.Fill(_max, rowLength);
    }

    /// <summary>Takes <paramref name="length"/> tokens of room from the first row that has them; returns that row.</summary>
    public int Place(int length)
    {
        if (_max[1] < length) throw new InvalidOperationException($"No row has room for {length} tokens.");
        var node = 1;
        while (node < _leaves) node = _max[2 * node] >= length ? 2 * node : 2 * node + 1;
        var row = node - _leaves;
        _max[node] -= length;
        for (node /= 2; node >= 1; node /= 2) _max[node] = Math.Max(_max[2 * node], _max[2 * node + 1]);
        return row;
    }
}
