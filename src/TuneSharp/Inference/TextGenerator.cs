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
    /// Generates up to <see cref="GenerationOptions.MaxNewTokens"/> ids after <paramref name="promptIds"/>, yielding
    /// each as it is chosen. Stops after a stop token (which is yielded too). The prompt must not be empty
    /// (start it with BOS).
    /// </summary>
    public IEnumerable<int> GenerateIds(IReadOnlyList<int> promptIds, GenerationOptions options)
    {
        options.Validate();
        if (promptIds.Count == 0) throw new TuneSharpException("The prompt is empty: generation needs at least one token (e.g. BOS).");
        var stop = new HashSet<int>(options.StopTokenIds ?? _model.Config.EosTokenIds);
        return Run(promptIds.ToList(), options, stop);
    }

    private IEnumerable<int> Run(List<int> sequence, GenerationOptions options, HashSet<int> stop)
    {
        var module = _model.Module;
        var wasTraining = module.training;
        module.eval();
        using var sampler = new TokenSampler(options);
        using var cache = options.UseCache ? _model.CreateCache() : null;
        try
        {
            var pending = sequence.ToArray(); // tokens the model has not seen yet (all of them without a cache)
            for (var step = 0; step < options.MaxNewTokens; step++)
            {
                var next = NextToken(pending, cache, sampler);
                sequence.Add(next);
                pending = cache is null ? sequence.ToArray() : [next];
                // Yield outside any dispose scope / no_grad region, so the consumer's tensors are its own.
                yield return next;
                if (stop.Contains(next)) yield break;
            }
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
    /// </summary>
    public IEnumerable<string> GenerateText(string prompt, GenerationOptions options)
    {
        var tokenizer = _tokenizer ?? throw new InvalidOperationException("GenerateText needs a tokenizer; construct TextGenerator with one.");
        var promptIds = tokenizer.Encode(prompt).InputIds;
        return StreamText(tokenizer, promptIds, options);
    }

    private IEnumerable<string> StreamText(TextTokenizer tokenizer, int[] promptIds, GenerationOptions options)
    {
        var all = new List<int>(promptIds);
        var promptText = tokenizer.Decode(promptIds);
        var emitted = 0; // characters of the continuation already yielded
        foreach (var id in GenerateIds(promptIds, options))
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
