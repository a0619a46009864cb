using System.Diagnostics;
using TuneSharp.Tokenization;

namespace TuneSharp.Inference;

/// <summary>
/// The reasons a row stops besides its length, checked after each new token (which is kept either way, as transformers'
/// stopping criteria decide after the token is appended): a stop token, a stop string in the decoded continuation,
/// and the max_time budget (one clock for the whole generation, started when it starts).
/// </summary>
internal sealed class StopConditions
{
    private readonly HashSet<int> _stopTokens;
    private readonly IReadOnlyList<string> _stopStrings;
    private readonly TextTokenizer? _tokenizer;
    private readonly TimeSpan? _maxTime;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<int, string> _promptTexts = new();

    /// <exception cref="TuneSharpException">stop_strings are given but there is no tokenizer to decode with.</exception>
    public StopConditions(GenerationOptions options, IEnumerable<int> stopTokens, TextTokenizer? tokenizer)
    {
        _stopTokens = new HashSet<int>(stopTokens);
        _stopStrings = options.StopStrings ?? [];
        EnsureUsable(options, tokenizer);
        _tokenizer = tokenizer;
        _maxTime = options.MaxTime is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
    }

    /// <exception cref="TuneSharpException">stop_strings are given but there is no tokenizer to decode with.</exception>
    public static void EnsureUsable(GenerationOptions options, TextTokenizer? tokenizer)
    {
        if (options.StopStrings is { Count: > 0 } && tokenizer is null)
            throw new TuneSharpException("stop_strings need a tokenizer to decode the continuation; construct TextGenerator with one.") { Setting = "stop_strings" };
    }

    /// <summary>The ids that end a row.</summary>
    public IReadOnlySet<int> StopTokens => _stopTokens;

    /// <summary>True once max_time has passed.</summary>
    public bool TimeIsUp => _maxTime is { } limit && _clock.Elapsed > limit;

    /// <summary>
    /// Why row <paramref name="row"/> stops after its latest token (the last of <paramref name="generated"/>), or null
    /// to go on. max_time is left to the caller (<see cref="TimeIsUp"/>): it ends every row at once.
    /// </summary>
    public (GenerationStopReason Reason, string? StopString)? After(int row, IReadOnlyList<int> prompt, IReadOnlyList<int> generated)
    {
        if (_stopTokens.Contains(generated[^1])) return (GenerationStopReason.StopToken, null);
        if (_stopStrings.Count == 0) return null;
        var continuation = Continuation(row, prompt, generated);
        foreach (var stop in _stopStrings)
            if (continuation.Contains(stop, StringComparison.Ordinal)) return (GenerationStopReason.StopString, stop);
        return null;
    }

    // As the streamed text: decode(prompt + generated) less decode(prompt), so a stop string that starts with the
    // space a sentencepiece token carries, or spans two tokens, is seen as the reader sees it.
    private string Continuation(int row, IReadOnlyList<int> prompt, IReadOnlyList<int> generated)
    {
        if (!_promptTexts.TryGetValue(row, out var promptText)) _promptTexts[row] = promptText = _tokenizer!.Decode(prompt);
        var full = _tokenizer!.Decode([.. prompt, .. generated]);
        return full.StartsWith(promptText, StringComparison.Ordinal) ? full[promptText.Length..] : full;
    }
}
