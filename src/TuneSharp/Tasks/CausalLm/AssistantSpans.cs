using TuneSharp.Tokenization.ChatTemplates;

namespace TuneSharp.Tasks.CausalLm;

/// <summary>
/// Where the assistant turns of a rendered conversation are, in characters of the rendering: the text a model is
/// trained to write.
/// </summary>
public static class AssistantSpans
{
    /// <summary>
    /// The character spans <c>[Start, End)</c> of <paramref name="rendered"/> (= <c>Render(messages, false)</c>) that
    /// the assistant messages became, in order. For assistant message k the span runs from the end of
    /// <c>Render(messages[..k], addGenerationPrompt: true)</c> to the end of <c>Render(messages[..(k+1)], false)</c>
    /// when both are prefixes of the rendering, so it holds what the template writes after the reply (the end-of-turn
    /// marker, EOS). Templates whose renderings are not prefixes of one another (ones that rewrite earlier turns) fall
    /// back to the first occurrence of the message's content after the previous turns' contents, without end marker.
    /// </summary>
    /// <param name="template">The chat template that rendered the conversation.</param>
    /// <param name="messages">The conversation.</param>
    /// <param name="rendered">Its rendering without generation prompt.</param>
    /// <param name="conversation">Names the conversation in errors ("'chat.jsonl', line 12").</param>
    /// <exception cref="TuneSharpException">An assistant message is found neither way.</exception>
    public static IReadOnlyList<(int Start, int End)> Find(IChatTemplate template, IReadOnlyList<ChatMessage> messages, string rendered, string conversation)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(messages);
        var spans = new List<(int Start, int End)>();
        var searchFrom = 0;
        for (var k = 0; k < messages.Count; k++)
        {
            if (messages[k].Role != "assistant")
            {
                // Step over the prompt's own text, so a reply that repeats the question is not found in the question.
                if (ByContent(messages[k].Content, rendered, searchFrom) is { } prompt) searchFrom = prompt.End;
                continue;
            }
            var span = ByPrefixes(template, messages, k, rendered, searchFrom) ?? ByContent(messages[k].Content, rendered, searchFrom)
                ?? throw new TuneSharpException($"Conversation at {conversation}: assistant message {k} ('{TextExcerpt.Of(messages[k].Content, 80)}') " +
                    $"cannot be found in the text chat template '{template.Name}' renders, so its tokens cannot be labelled. " +
                    "The template changes the reply's text or renders earlier turns differently; use a template that writes each reply as is.");
            spans.Add(span);
            searchFrom = span.End;
        }
        return spans;
    }

    private static (int Start, int End)? ByPrefixes(IChatTemplate template, IReadOnlyList<ChatMessage> messages, int k, string rendered, int searchFrom)
    {
        string prompt, upToReply;
        try
        {
            prompt = template.Render(messages.Take(k).ToArray(), addGenerationPrompt: true);
            upToReply = template.Render(messages.Take(k + 1).ToArray(), addGenerationPrompt: false);
        }
        catch (ChatTemplateException)
        {
            return null; // e.g. a template that refuses a conversation not ending with a user turn
        }
        var ok = prompt.Length >= searchFrom && upToReply.Length > prompt.Length
            && rendered.StartsWith(upToReply, StringComparison.Ordinal) && upToReply.StartsWith(prompt, StringComparison.Ordinal);
        return ok ? (prompt.Length, upToReply.Length) : null;
    }

    private static (int Start, int End)? ByContent(string content, string rendered, int searchFrom)
    {
        if (content.Length == 0) return null;
        var at = rendered.IndexOf(content, searchFrom, StringComparison.Ordinal);
        return at < 0 ? null : (at, at + content.Length);
    }
}
