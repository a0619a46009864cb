namespace TuneSharp.Checkpoints;

/// <summary>How <see cref="StateDictLoader.LoadInto"/> matches checkpoint keys to module keys.</summary>
public sealed record StateDictLoadOptions
{
    /// <summary>
    /// The base model's attribute name, e.g. "bert" or "model". Checkpoint keys may carry it when the
    /// module's don't (a task-head checkpoint into a bare model), and vice versa (a bare or
    /// sentence-transformers checkpoint into a model with a task head).
    /// </summary>
    public string? BaseModelPrefix { get; init; }

    /// <summary>Regexes (searched anywhere in the key) of module keys allowed to be missing: tied heads, position_ids buffers, new heads.</summary>
    public IReadOnlyList<string> IgnoreMissing { get; init; } = [];

    /// <summary>Regexes (searched anywhere in the key) of checkpoint keys to ignore, e.g. "pooler\\.".</summary>
    public IReadOnlyList<string> IgnoreUnexpected { get; init; } = [];

    /// <summary>If false, tensors whose shapes differ are left as initialised and reported instead of throwing.</summary>
    public bool ThrowOnShapeMismatch { get; init; } = true;
}
