using static TorchSharp.torch;

namespace TuneSharp.Inference;

/// <summary>Chooses the next token from one row of logits: argmax, or temperature / top-k / top-p sampling.</summary>
public sealed class TokenSampler : IDisposable
{
    private readonly GenerationOptions _options;
    private readonly Generator? _random;

    public TokenSampler(GenerationOptions options)
    {
        options.Validate();
        _options = options;
        // A private generator (not the global one) so a seed reproduces the same text whatever else runs.
        if (options.DoSample) _random = new Generator((ulong)(options.Seed ?? Random.Shared.NextInt64()));
    }

    /// <summary>The next token id for <paramref name="logits"/> [V].</summary>
    public int Next(Tensor logits)
    {
        using var scope = NewDisposeScope();
        if (!_options.DoSample) return (int)logits.argmax().item<long>();

        var scores = logits.to_type(ScalarType.Float32) / _options.Temperature;
        if (_options.TopK > 0 && _options.TopK < scores.shape[0])
        {
            var kthBest = scores.topk(_options.TopK).values[-1];
            scores = scores.masked_fill(scores.lt(kthBest), double.NegativeInfinity);
        }
        if (_options.TopP < 1.0)
        {
            var (sorted, order) = scores.sort(descending: true);
            var probs = sorted.softmax(-1);
            // Keep a token while the probability of the tokens before it is still below p: the smallest
            // prefix reaching p, always including the most likely token.
            var before = probs.cumsum(-1) - probs;
            var dropSorted = before.ge(_options.TopP);
            var drop = zeros_like(dropSorted).scatter(0, order, dropSorted);
            scores = scores.masked_fill(drop, double.NegativeInfinity);
        }
        var sample = multinomial(scores.softmax(-1), 1, generator: _random);
        return (int)sample.item<long>();
    }

    public void Dispose() => _random?.Dispose();
}
