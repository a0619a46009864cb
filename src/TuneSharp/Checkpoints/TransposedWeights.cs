using System.Text.RegularExpressions;
using TorchSharp;

namespace TuneSharp.Checkpoints;

/// <summary>
/// Weights that a checkpoint format stores transposed from TuneSharp's modules: GPT-2's <c>Conv1D</c> keeps its weight
/// [in_features, out_features] where the <c>Linear</c> TuneSharp builds instead keeps [out, in]. An architecture names
/// such checkpoint keys with regular expressions (<c>ModelArchitecture.TransposedWeights</c>); <see cref="ModelWeights.Load"/>
/// and <see cref="ModelWeights.Save"/> turn them at the file boundary, so everything in memory (state dicts, LoRA, adapters,
/// the optimizer) sees one layout and every file is transformers'.
/// </summary>
internal static class TransposedWeights
{
    /// <summary>
    /// <paramref name="weights"/> (owned by the caller) with every matching 2-D tensor replaced by its contiguous transpose,
    /// the stored one disposed; the same dictionary back when there are no patterns.
    /// </summary>
    public static Dictionary<string, torch.Tensor> Apply(Dictionary<string, torch.Tensor> weights, IReadOnlyList<string>? patterns)
    {
        Func<string, torch.Tensor, bool>? matcher;
        try { matcher = Compile(patterns); }
        catch
        {
            foreach (var tensor in weights.Values) tensor.Dispose();
            throw;
        }
        if (matcher is null) return weights;
        foreach (var name in weights.Keys.ToList())
        {
            var stored = weights[name];
            if (!matcher(name, stored)) continue;
            weights[name] = stored.t().contiguous();
            stored.Dispose();
        }
        return weights;
    }

    /// <summary>
    /// A dictionary where every matching 2-D tensor of <paramref name="tensors"/> is a transposed view (no copy) and the others
    /// are the caller's own tensors; <c>Created</c> lists the views, which the caller disposes after writing.
    /// </summary>
    public static (Dictionary<string, torch.Tensor> Tensors, List<torch.Tensor> Created) Views(IReadOnlyDictionary<string, torch.Tensor> tensors,
        IReadOnlyList<string> patterns)
    {
        var matcher = Compile(patterns);
        var result = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        var created = new List<torch.Tensor>();
        // Same order as given: ModelWeights shards in the dictionary's order.
        foreach (var (name, tensor) in tensors)
        {
            if (matcher is not null && matcher(name, tensor))
            {
                var view = tensor.detach().t();
                created.Add(view);
                result[name] = view;
            }
            else result[name] = tensor;
        }
        return (result, created);
    }

    // Null when nothing is transposed. Only matrices turn: a pattern that also matched a bias would otherwise fail later
    // with a confusing shape error, and transposing a vector means nothing.
    private static Func<string, torch.Tensor, bool>? Compile(IReadOnlyList<string>? patterns)
    {
        if (patterns is not { Count: > 0 }) return null;
        var regexes = new List<Regex>();
        foreach (var pattern in patterns)
        {
            try { regexes.Add(new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))); }
            catch (ArgumentException e) { throw new TuneSharpException($"Transposed-weight pattern '{pattern}' is not a valid regular expression: {e.Message}", e); }
        }
        return (name, tensor) => tensor.dim() == 2 && regexes.Any(r => r.IsMatch(name));
    }
}
