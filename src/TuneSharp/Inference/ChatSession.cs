using TuneSharp.Models;
using TuneSharp.Tokenization;
using TuneSharp.Tokenization.ChatTemplates;

namespace TuneSharp.Inference;

/// <summary>Settings of a <see cref="ChatSession"/>.</summary>
public sealed record ChatSessionOptions
{
    /// <summary>How each reply is generated (max_new_tokens, sampling...). Stop tokens default to the model's EOS ids.</summary>
    public GenerationOptions Generation { get; init; } = new() { MaxNewTokens = 256 };

    /// <summary>The system message the conversation starts with (null: none).</summary>
    public string? SystemMessage { get; init; }
}

/// <summary>
/// A conversation with a chat model: each user turn is rendered with the chat template together with the turns before
/// it (<c>add_generation_prompt</c>), the reply is streamed as it is generated and kept in the history. The reply ends
/// at the model's EOS token or at the end-of-turn text the template writes after a reply (ChatML's
/// <c>&lt;|im_end|&gt;</c>, found by rendering a sample turn), which is not part of the reply. When the conversation
/// no longer fits the context window with room for a reply, the oldest turns are dropped (the system message stays),
/// and <see cref="DroppedTurns"/> says how many.
/// </summary>
public sealed class ChatSession
{
    private readonly ICausalLM _model;
    private readonly TextTokenizer _tokenizer;
    private readonly IChatTemplate _template;
    private readonly ChatSessionOptions _options;
    private readonly TextGenerator _generator;
    private readonly string? _endOfTurn;
    private readonly List<ChatMessage> _history = [];

    /// <param name="model">The language model.</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="template">The chat template the model was fine-tuned with.</param>
    /// <param name="options">Generation settings and the system message.</param>
    public ChatSession(ICausalLM model, TextTokenizer tokenizer, IChatTemplate template, ChatSessionOptions? options = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        _template = template ?? throw new ArgumentNullException(nameof(template));
        _options = options ?? new ChatSessionOptions();
        _options.Generation.Validate(model.Config);
        _generator = new TextGenerator(model, tokenizer);
        SystemMessage = _options.SystemMessage;
        _endOfTurn = EndOfTurn(template);
    }

    /// <summary>The system message (null: none); setting it keeps the history.</summary>
    public string? SystemMessage { get; set; }

    /// <summary>The user and assistant turns so far, oldest first (the system message apart).</summary>
    public IReadOnlyList<ChatMessage> History => _history;

    /// <summary>Turns dropped (user and assistant messages) to fit the last prompt into the context window.</summary>
    public int DroppedTurns { get; private set; }

    /// <summary>The end-of-turn text that ends a reply besides EOS, or null when the template writes none.</summary>
    public string? EndOfTurnText => _endOfTurn;

    /// <summary>How the last reply ended.</summary>
    public GenerationStopReason? LastStopReason { get; private set; }

    /// <summary>Forgets the turns (the system message stays).</summary>
    public void Reset()
    {
        _history.Clear();
        DroppedTurns = 0;
    }

    /// <summary>
    /// Adds <paramref name="userMessage"/>, streams the reply in pieces as it is generated, and adds the reply to the
    /// history when the enumeration ends (also when it is cancelled or abandoned part-way: what was said stays).
    /// </summary>
    /// <exception cref="TuneSharpException">The system message and this one message alone do not fit the context window.</exception>
    public IEnumerable<string> Reply(string userMessage, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(userMessage);
        _history.Add(new ChatMessage("user", userMessage));
        var prompt = FitPrompt();
        return Stream(prompt, ct);
    }

    private IEnumerable<string> Stream(IReadOnlyList<int> prompt, CancellationToken ct)
    {
        var generated = new List<int>();
        var said = "";
        try
        {
            var stops = _options.Generation.StopTokenIds ?? _model.Config.EosTokenIds;
            foreach (var id in _generator.GenerateIds(prompt, _options.Generation with { StopTokenIds = stops }))
            {
                if (ct.IsCancellationRequested) { LastStopReason = null; yield break; }
                if (stops.Contains(id)) break;
                generated.Add(id);
                var text = _tokenizer.Decode(generated);
                if (_endOfTurn is not null && text.IndexOf(_endOfTurn, StringComparison.Ordinal) is var end and >= 0)
                {
                    if (end > said.Length) yield return text[said.Length..end];
                    said = text[..end];
                    LastStopReason = GenerationStopReason.StopToken;
                    yield break;
                }
                // Hold back an unfinished character and anything that may be the start of the end-of-turn text.
                var safe = text.EndsWith('\uFFFD') ? text.Length - 1 : text.Length;
                if (_endOfTurn is not null) safe = Math.Min(safe, text.Length - PartialSuffix(text, _endOfTurn));
                if (safe > said.Length)
                {
                    yield return text[said.Length..safe];
                    said = text[..safe];
                }
            }
            var final = _tokenizer.Decode(generated);
            if (final.Length > said.Length && final.StartsWith(said, StringComparison.Ordinal)) { yield return final[said.Length..]; said = final; }
            LastStopReason = _generator.LastGeneration?.StopReason;
        }
        finally
        {
            _history.Add(new ChatMessage("assistant", said.Trim()));
        }
    }

    // The rendered prompt of the system message and the history, dropping the oldest turns until a reply has room.
    private IReadOnlyList<int> FitPrompt()
    {
        var context = _model.Config.MaxPositions is { } positions ? (int)positions : int.MaxValue;
        var room = _options.Generation.MaxNewTokens;
        DroppedTurns = 0;
        while (true)
        {
            var messages = new List<ChatMessage>();
            if (!string.IsNullOrEmpty(SystemMessage)) messages.Add(new ChatMessage("system", SystemMessage));
            messages.AddRange(_history);
            var ids = _tokenizer.Encode(_template.Render(messages, addGenerationPrompt: true), options: new EncodeOptions { AddSpecialTokens = false }).InputIds;
            if ((long)ids.Length + room <= context) return ids;
            if (_history.Count <= 1)
            {
                _history.Clear();
                throw new TuneSharpException($"The message and the system message take {ids.Length} tokens; with {room} tokens for the reply " +
                    $"(max_new_tokens) they do not fit the model's context window of {context} tokens. Send a shorter message or use fewer max_new_tokens.");
            }
            // The oldest exchange goes: a user turn and the reply to it.
            var drop = _history.Count >= 2 && _history[1].Role == "assistant" ? 2 : 1;
            _history.RemoveRange(0, drop);
            DroppedTurns += drop;
        }
    }

    // What the template writes right after a reply's text (trimmed), e.g. "<|im_end|>"; null when that is empty or
    // ends with the EOS token only (the EOS id stops generation anyway).
    private string? EndOfTurn(IChatTemplate template)
    {
        const string marker = "\u2063reply\u2063";
        try
        {
            var text = template.Render([new ChatMessage("user", "hi"), new ChatMessage("assistant", marker)], addGenerationPrompt: false);
            var at = text.IndexOf(marker, StringComparison.Ordinal);
            if (at < 0) return null;
            var after = text[(at + marker.Length)..].Trim();
            if (after.Length == 0) return null;
            if (_tokenizer.SpecialTokens.Eos is { } eos && after == eos) return null;
            return after;
        }
        catch (ChatTemplateException)
        {
            return null; // a template that insists on other turns (a system message first...) gives no sample
        }
    }

    // The length of the longest suffix of text that is a proper prefix of marker.
    private static int PartialSuffix(string text, string marker)
    {
        for (var n = Math.Min(marker.Length - 1, text.Length); n > 0; n--)
            if (text.EndsWith(marker[..n], StringComparison.Ordinal)) return n;
        return 0;
    }
}
