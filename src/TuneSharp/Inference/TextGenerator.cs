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
    /// each as it is chosen. Stops after a stop token (which is yielded too), or when prompt and new tokens fill the
    /// model's context window (<see cref="GenerationStopReason.ContextWindow"/>, see <see cref="PromptFit.For"/>; with
    /// <see cref="GenerationOptions.TruncatePrompt"/> the prompt is shortened from the left instead). The prompt must
    /// not be empty (start it with BOS). Options and the prompt's fit are checked when this is called; the tokens
    /// are computed as they are enumerated.
    /// </summary>
    /// <exception cref="TuneSharpException">an invalid option, an empty prompt, or a prompt that fills the context window.</exception>
    public IEnumerable<int> GenerateIds(IReadOnlyList<int> promptIds, GenerationOptions options)
    {
        var fit = PromptFit.For(promptIds, options, _model.Config);
        var stop = new HashSet<int>(options.StopTokenIds ?? _model.Config.EosTokenIds);
        var report = new GenerationReport(fit);
        LastGeneration = report;
        return Run(fit, options, stop, report);
    }

    private IEnumerable<int> Run(PromptFit fit, GenerationOptions options, HashSet<int> stop, GenerationReport report)
    {
        var module = _model.Module;
        var wasTraining = module.training;
        module.eval();
        using var sampler = new TokenSampler(options);
        using var cache = options.UseCache ? _model.CreateCache() : null;
        try
        {
            var sequence = fit.Ids.ToList();
            var pending = sequence.ToArray(); // tokens the model has not seen yet (all of them without a cache)
            report.GeneratedTokens = 0;
            report.StopReason = null;
            // NewTokenRoom ends both paths (cache or not) at the context window: past it the model would see positions it was never trained on.
            for (var step = 0; step < fit.NewTokenRoom; step++)
            {
                var next = NextToken(pending, cache, sampler);
                sequence.Add(next);
                pending = cache is null ? sequence.ToArray() : [next];
                report.GeneratedTokens = step + 1;
                var isStop = stop.Contains(next);
                if (isStop) report.StopReason = GenerationStopReason.StopToken;
                // Yield outside any dispose scope / no_grad region, so the consumer's tensors are its own.
                yield return next;
                if (isStop) yield break;
            }
            report.StopReason = fit.StopsAtContext ? GenerationStopReason.ContextWindow : GenerationStopReason.MaxNewTokens;
        }
        finally
        {
            if (wasTraining) module.train();
        }
    }

    private int NextToken(int[] inputIds, KvCache? cache, TokenSampler sampler)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = _model.Module.parameters().First().device;
        var input = tensor(inputIds.Select(i => (long)i).ToArray(), [1, inputIds.Length], device: device);
        var logits = _model.Forward(input, cache: cache);
        return sampler.Next(logits[0, -1]);
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
