using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Inference;

/// <summary>
/// The rows one generation advances together: prompts left-padded to one width (so every row's next token is at the
/// last column), an attention mask with 0 on the padding (positions are then counted over each row's real tokens, as
/// transformers' generate does, so a padded row computes what it would alone), and one KV cache for the whole batch.
/// One forward pass per step serves every row.
/// </summary>
internal sealed class DecodingBatch : IDisposable
{
    private readonly ICausalLM _model;
    private readonly KvCache? _cache;
    private readonly int _padId;
    private readonly Device _device;
    private List<int>[] _slots;    // per row: left pads, prompt, generated tokens (pads again once a row has finished)
    private int[] _padCounts;
    private int _seen;              // columns the cache already holds

    public DecodingBatch(ICausalLM model, IReadOnlyList<IReadOnlyList<int>> prompts, bool useCache, int padId)
    {
        _model = model;
        _padId = padId;
        _cache = useCache ? model.CreateCache() : null;
        _device = model.Module.parameters().First().device;
        var width = prompts.Max(p => p.Count);
        _padCounts = prompts.Select(p => width - p.Count).ToArray();
        _slots = prompts.Select((p, row) => Enumerable.Repeat(padId, _padCounts[row]).Concat(p).ToList()).ToArray();
    }

    /// <summary>Rows in the batch.</summary>
    public int Rows => _slots.Length;

    /// <summary>Columns so far (padded prompt width plus the steps taken).</summary>
    public int Width => _slots[0].Count;

    /// <summary>A row's real tokens: its prompt and what it generated (its left padding left out).</summary>
    public IReadOnlyList<int> Sequence(int row) => _slots[row].GetRange(_padCounts[row], _slots[row].Count - _padCounts[row]);

    /// <summary>Every row's <see cref="Sequence"/>.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Sequences() => Enumerable.Range(0, Rows).Select(Sequence).ToArray();

    /// <summary>
    /// Runs the model on the columns it has not seen and returns the float32 logits [B, V] of the last column, in the
    /// caller's dispose scope.
    /// </summary>
    public Tensor NextLogits()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var from = _cache is null ? 0 : _seen;
        var length = Width - from;
        var ids = new long[Rows * length];
        for (var row = 0; row < Rows; row++)
            for (var col = 0; col < length; col++)
                ids[row * length + col] = _slots[row][from + col];
        var input = tensor(ids, [Rows, length], device: _device);
        var logits = _model.Forward(input, Mask(), cache: _cache);
        _seen = Width;
        return logits.select(1, -1).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Appends one token to every row (the pad id for a finished row).</summary>
    public void Append(IReadOnlyList<int> tokens)
    {
        for (var row = 0; row < Rows; row++) _slots[row].Add(tokens[row]);
    }

    /// <summary>The pad id used for left padding and finished rows.</summary>
    public int PadId => _padId;

    /// <summary>
    /// Makes row i a copy of row <paramref name="sources"/>[i], tokens and cache (beam search: each new beam extends an
    /// old one).
    /// </summary>
    public void Reorder(IReadOnlyList<int> sources)
    {
        _slots = sources.Select(s => _slots[s].ToList()).ToArray();
        _padCounts = sources.Select(s => _padCounts[s]).ToArray();
        if (_cache is null) return;
        using var scope = NewDisposeScope();
        _cache.Reorder(tensor(sources.Select(s => (long)s).ToArray(), device: _device));
    }

    // 1 on real tokens, 0 on the left padding; null without padding, so an unpadded batch runs exactly as before.
    private Tensor? Mask()
    {
        if (_padCounts.All(p => p == 0)) return null;
        var columns = arange(Width, dtype: ScalarType.Int64, device: _device).unsqueeze(0);
        var pads = tensor(_padCounts.Select(p => (long)p).ToArray(), device: _device).unsqueeze(1);
        return columns.ge(pads).to_type(ScalarType.Int64);
    }

    public void Dispose() => _cache?.Dispose();
}
