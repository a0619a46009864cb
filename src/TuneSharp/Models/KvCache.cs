using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>
/// Keys and values of every attention layer for the tokens seen so far, so that generating token n+1 only
/// runs the model on that one token instead of the whole sequence. Per layer the tensors are
/// [batch, kv_heads, length, head_dim] (after rotary embedding, before repeat_kv, so GQA models store
/// only their kv heads). The cache owns its tensors; dispose it when the generation ends.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;

    public KvCache(int numLayers)
    {
        _keys = new Tensor?[numLayers];
        _values = new Tensor?[numLayers];
    }

    /// <summary>Number of layers the cache has room for.</summary>
    public int NumLayers => _keys.Length;

    /// <summary>Tokens cached so far (read it before a forward pass: layers are appended one by one during it).</summary>
    public long Length => _keys[0]?.shape[2] ?? 0;

    /// <summary>Cached keys of a layer, or null before the first append.</summary>
    public Tensor? Keys(int layer) => _keys[layer];

    /// <summary>Cached values of a layer, or null before the first append.</summary>
    public Tensor? Values(int layer) => _values[layer];

    /// <summary>
    /// Appends new keys/values [B, kv_heads, T, D] along the sequence axis and returns the full cached
    /// tensors (owned by the cache: do not dispose them).
    /// </summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        _keys[layer] = Concat(_keys[layer], keys);
        _values[layer] = Concat(_values[layer], values);
        return (_keys[layer]!, _values[layer]!);
    }

    /// <summary>
    /// Keeps, for every layer, the batch rows <paramref name="rows"/> (long ids, in their order; a row may repeat): beam
    /// search's step, where each surviving beam continues the cache of the beam it was extended from.
    /// </summary>
    public void Reorder(Tensor rows)
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i] = Select(_keys[i], rows);
            _values[i] = Select(_values[i], rows);
        }
    }

    private static Tensor? Select(Tensor? old, Tensor rows)
    {
        if (old is null) return null;
        var result = old.index_select(0, rows.to(old.device));
        result.DetachFromDisposeScope();
        old.Dispose();
        return result;
    }

    private static Tensor Concat(Tensor? old, Tensor added)
    {
        // Detach from any dispose scope: the caller's forward-pass scope must not free the cache.
        var result = old is null ? added.detach().clone() : cat([old, added.detach()], 2);
        result.DetachFromDisposeScope();
        old?.Dispose();
        return result;
    }

    public void Dispose()
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i]?.Dispose();
            _values[i]?.Dispose();
            _keys[i] = _values[i] = null;
        }
    }
}
