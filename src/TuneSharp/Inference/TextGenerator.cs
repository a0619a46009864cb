using TuneSharp.Models;
using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Inference;

/// <summary>
/// Autoregressive generation with a causal LM, streaming: each new token (or text delta) is yielded as soon as it
/// is produced. Runs the model in eval mode without gradients and restores its previous mode afterwards.
/// </summary>
public sealed class TextGenerator
{
    private readonly ICausalLM _model;
    private readonly TextTokenizer? _tokenizer;

    /// <param name="model">the language model.</param>
    /// <param name="tokenizer">needed for <see cref="GenerateText"/>; <see cref="GenerateIds"/> works without it.</param>
    public TextGenerator(ICausalLM model, TextTokenizer? tokenizer = null)
    {
        _model = model;
        _tokenizer = tokenizer;
        if (tokenizer is not null) TokenizerModelCheck.EnsureIdsFitEmbeddings(tokenizer, model.VocabSize);
    }

    /// <summary>
    /// What the most recent <see cref="GenerateIds"/> or <see cref="GenerateText"/> call did (prompt as fitted to the
    /// context window, tokens generated, stop reason); set when the call returns and updated as its tokens are
    /// enumerated. Null before the first call.
    /// </summary>
    public GenerationReport? LastGeneration { get; private set; }

    /// <summary>
    /// Generates up to <see cref="GenerationOptions.MaxNewTokens"/> ids after <paramref name="promptIds"/>, yielding
    /// each as it is chosen. Stops after a stop token (which is yielded too), after the token that completes one of the
    /// stop_strings or that comes once max_time has passed, or when prompt and new tokens fill the model's context
    /// window (<see cref="GenerationStopReason.ContextWindow"/>, see <see cref="PromptFit.For"/>; with
    /// <see cref="GenerationOptions.TruncatePrompt"/> the prompt is shortened from the left instead). With num_beams
    /// above 1 the tokens come all at once at the end (beam search knows its winner only then). The prompt must
    /// not be empty (start it with BOS). Options and the prompt's fit are checked when this is called; the tokens
    /// are computed as they are enumerated.
    /// </summary>
    /// <exception cref="TuneSharpException">an invalid option, an empty prompt, a prompt that fills the context window,
    /// or stop_strings without a tokenizer.</exception>
    public IEnumerable<int> GenerateIds(IReadOnlyList<int> promptIds, GenerationOptions options)
    {
        var fit = PromptFit.For(promptIds, options, _model.Config);
        var stopIds = StopIds(options);
        StopConditions.EnsureUsable(options, _tokenizer); // now, not at the first MoveNext
        var report = new GenerationReport(fit);
        LastGeneration = report;
        return options.NumBeams > 1 ? LazyBeams(fit, options, stopIds, report) : Run(fit, options, stopIds, report);
    }

    /// <summary>
    /// Generates for several prompts at once: they are left-padded into one batch with an attention mask (positions
    /// counted over each row's real tokens), one forward pass per step serves every row through one shared KV cache,
    /// and a row that has stopped is padded until the last one stops. Each row gets what it would get alone (for
    /// greedy decoding the same tokens, up to float rounding between padded and unpadded attention). Sampling draws
    /// the rows in order from one seeded generator. num_beams above 1 runs one beam search per prompt.
    /// <see cref="LastGeneration"/> describes the last row.
    /// </summary>
    /// <exception cref="TuneSharpException">as <see cref="GenerateIds"/>, for any of the prompts (checked before anything runs).</exception>
    public IReadOnlyList<GenerationResult> GenerateBatch(IReadOnlyList<IReadOnlyList<int>> prompts, GenerationOptions options)
    {
        if (prompts.Count == 0) return [];
        var fits = prompts.Select(p => PromptFit.For(p, options, _model.Config)).ToArray();
        StopConditions.EnsureUsable(options, _tokenizer);
        var stopIds = StopIds(options);
        var reports = fits.Select(f => new GenerationReport(f)).ToArray();
        LastGeneration = reports[^1];
        var generated = fits.Select(_ => new List<int>()).ToArray();
        if (options.NumBeams > 1)
            for (var row = 0; row < fits.Length; row++) generated[row].AddRange(RunBeams(fits[row], options, stopIds, reports[row]));
        else
            foreach (var step in Decode(fits, options, stopIds, reports))
                for (var row = 0; row < step.Length; row++)
                    if (step[row] is { } token) generated[row].Add(token);
        return fits.Select((fit, row) => new GenerationResult
        {
            Prompt = fit, Tokens = generated[row], StopReason = reports[row].StopReason!.Value, StopString = reports[row].StopString,
        }).ToArray();
    }

    /// <summary>
    /// <see cref="GenerateBatch"/> for text prompts, each encoded as <see cref="GenerateText"/> encodes it; returns each
    /// prompt's continuation (decode(prompt + generated) less decode(prompt)).
    /// </summary>
    public IReadOnlyList<string> GenerateTextBatch(IReadOnlyList<string> prompts, GenerationOptions options)
    {
        var tokenizer = _tokenizer ?? throw new InvalidOperationException("GenerateTextBatch needs a tokenizer; construct TextGenerator with one.");
        var results = GenerateBatch(prompts.Select(p => (IReadOnlyList<int>)tokenizer.Encode(p).InputIds).ToArray(), options);
        return results.Select(r => Continuation(tokenizer.Decode([.. r.Prompt.Ids, .. r.Tokens]), tokenizer.Decode(r.Prompt.Ids))).ToArray();
    }

    private IReadOnlyList<int> StopIds(GenerationOptions options) => (options.StopTokenIds ?? _model.Config.EosTokenIds).ToArray();

    // Left padding and finished rows use the config's pad id, else its eos id (as transformers falls back), else 0; the
    // attention mask hides them, so which id it is does not matter.
    private int PadId() => _model.Config.PadTokenId ?? _model.Config.EosTokenIds.FirstOrDefault();

    private IEnumerable<int> Run(PromptFit fit, GenerationOptions options, IReadOnlyList<int> stopIds, GenerationReport report)
    {
        foreach (var step in Decode([fit], options, stopIds, [report]))
            // Yield outside any dispose scope / no_grad region, so the consumer's tensors are its own.
            if (step[0] is { } token) yield return token;
    }

    // Beam search runs when the caller starts enumerating, as the other paths do, and then yields its winner.
    private IEnumerable<int> LazyBeams(PromptFit fit, GenerationOptions options, IReadOnlyList<int> stopIds, GenerationReport report)
    {
        foreach (var token in RunBeams(fit, options, stopIds, report)) yield return token;
    }

    private IReadOnlyList<int> RunBeams(PromptFit fit, GenerationOptions options, IReadOnlyList<int> stopIds, GenerationReport report)
    {
        var stops = new StopConditions(options, stopIds, _tokenizer);
        report.GeneratedTokens = 0;
        report.StopReason = null;
        var (tokens, reason) = InEvalMode(() => BeamSearch.Run(_model, fit, options, stopIds, stops, PadId()));
        report.GeneratedTokens = tokens.Count;
        report.StopReason = reason;
        return tokens;
    }

    private T InEvalMode<T>(Func<T> work)
    {
        var module = _model.Module;
        var wasTraining = module.training;
        module.eval();
        try { return work(); }
        finally { if (wasTraining) module.train(); }
    }

    /// <summary>
    /// The decoding loop for greedy and sampled generation: yields, per step, each row's new token (null for a row that
    /// had already stopped), after updating the rows' reports.
    /// </summary>
    private IEnumerable<int?[]> Decode(IReadOnlyList<PromptFit> fits, GenerationOptions options, IReadOnlyList<int> stopIds, GenerationReport[] reports)
    {
        var module = _model.Module;
        var wasTraining = module.training;
        module.eval();
        var stops = new StopConditions(options, stopIds, _tokenizer); // max_time's clock starts here
        using var sampler = new TokenSampler(options);
        using var batch = new DecodingBatch(_model, fits.Select(f => f.Ids).ToArray(), options.UseCache, PadId());
        try
        {
            var generated = fits.Select(_ => new List<int>()).ToArray();
            var running = new bool[fits.Count];
            for (var row = 0; row < fits.Count; row++)
            {
                reports[row].GeneratedTokens = 0;
                reports[row].StopReason = null;
                running[row] = fits[row].NewTokenRoom > 0;
                if (!running[row]) reports[row].StopReason = LengthReason(fits[row]);
            }
            while (running.Any(r => r))
            {
                var next = NextTokens(batch, sampler, options, running);
                var step = new int?[fits.Count];
                for (var row = 0; row < fits.Count; row++)
                {
                    if (!running[row]) continue;
                    step[row] = next[row];
                    generated[row].Add(next[row]);
                    reports[row].GeneratedTokens = generated[row].Count;
                    if (stops.After(row, fits[row].Ids, generated[row]) is { } stop)
                        (reports[row].StopReason, reports[row].StopString) = stop;
                    // NewTokenRoom ends a row at the context window: past it the model would see positions it was never trained on.
                    else if (generated[row].Count >= fits[row].NewTokenRoom) reports[row].StopReason = LengthReason(fits[row]);
                    else if (stops.TimeIsUp) reports[row].StopReason = GenerationStopReason.MaxTime;
                    running[row] = reports[row].StopReason is null;
                }
                // Rows that stopped are padded, so the batch keeps one width; their padding is never returned.
                if (running.Any(r => r)) batch.Append(next.Select((t, row) => running[row] ? t : batch.PadId).ToArray());
                yield return step;
            }
        }
        finally
        {
            if (wasTraining) module.train();
        }
    }

    private static GenerationStopReason LengthReason(PromptFit fit) =>
        fit.StopsAtContext ? GenerationStopReason.ContextWindow : GenerationStopReason.MaxNewTokens;

    private static int[] NextTokens(DecodingBatch batch, TokenSampler sampler, GenerationOptions options, bool[] running)
    {
        using var scope = NewDisposeScope();
        var logits = RepetitionPenalty.Apply(batch.NextLogits(), batch.Sequences(), options.RepetitionPenalty);
        return Enumerable.Range(0, batch.Rows).Select(row => running[row] ? sampler.Next(logits[row]) : batch.PadId).ToArray();
    }

    /// <summary>
    /// Encodes <paramref name="prompt"/> with the tokenizer (adding BOS etc. as the model expects) and yields the
    /// generated text in pieces as it grows. Each piece is the new suffix of decode(prompt + generated) minus
    /// decode(prompt), so leading spaces are right and a character spread over several byte tokens comes out whole.
    /// The context window applies as in <see cref="GenerateIds"/>; a truncated prompt's continuation follows its kept end.
    /// </summary>
    /// <exception cref="TuneSharpException">as <see cref="GenerateIds"/>.</exception>
    public IEnumerable<string> GenerateText(string prompt, GenerationOptions options)
    {
        var tokenizer = _tokenizer ?? throw new InvalidOperationException("GenerateText needs a tokenizer; construct TextGenerator with one.");
        // GenerateIds checks the options and the prompt's fit now, so errors come from this call, not the first MoveNext.
        var ids = GenerateIds(tokenizer.Encode(prompt).InputIds, options);
        return StreamText(tokenizer, LastGeneration!.Prompt.Ids, ids);
    }

    private static IEnumerable<string> StreamText(TextTokenizer tokenizer, IReadOnlyList<int> promptIds, IEnumerable<int> generated)
    {
        var all = new List<int>(promptIds);
        var promptText = tokenizer.Decode(promptIds);
        var emitted = 0; // characters of the continuation already yielded
        foreach (var id in generated)
        {
            all.Add(id);
            var text = Continuation(tokenizer.Decode(all), promptText);
            // An incomplete UTF-8 sequence decodes to U+FFFD at the end; wait for its remaining bytes.
            if (text.EndsWith('\uFFFD')) continue;
            if (text.Length > emitted)
            {
                yield return text[emitted..];
                emitted = text.Length;
            }
        }
        var final = Continuation(tokenizer.Decode(all), promptText);
        if (final.Length > emitted) yield return final[emitted..];
    }

    private static string Continuation(string fullText, string promptText)
        => fullText.StartsWith(promptText, StringComparison.Ordinal) ? fullText[promptText.Length..] : fullText;
}
