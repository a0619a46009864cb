using TuneSharp.Tokenization;
using TuneSharp.Tokenization.ChatTemplates;

namespace TuneSharp.Tasks.CausalLm;

/// <summary>One conversation as token ids with response-only labels, before truncation.</summary>
public static class ConversationTokens
{
    /// <summary>
    /// Renders <paramref name="messages"/> with <paramref name="template"/> and tokenizes the text without adding special
    /// tokens (the template writes BOS itself, as <c>apply_chat_template(tokenize=True)</c> does). A token is trained
    /// when its last character lies inside an assistant span (<see cref="AssistantSpans.Find"/>; a token that starts
    /// on the space before a reply, as SentencePiece's "▁Hello", is the reply's), or always with
    /// <see cref="CausalLmExampleOptions.TrainOnPrompt"/>. With <see cref="CausalLmExampleOptions.EosAfterResponse"/>,
    /// an assistant span without an EOS token gets the tokenizer's EOS id right after its last token, trained (a
    /// tokenizer without EOS gets none).
    /// </summary>
    /// <param name="messages">The conversation.</param>
    /// <param name="template">Renders it.</param>
    /// <param name="tokenizer">Tokenizes the rendering; its EOS id is the one appended.</param>
    /// <param name="options">Train on the prompt or not, EOS after responses or not (the lengths are not used here).</param>
    /// <param name="conversation">Names the conversation in errors.</param>
    public static CausalLmExample Tokenize(IReadOnlyList<ChatMessage> messages, IChatTemplate template, TextTokenizer tokenizer,
        CausalLmExampleOptions options, string conversation)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(options);
        var rendered = template.Render(messages, addGenerationPrompt: false);
        var spans = AssistantSpans.Find(template, messages, rendered, conversation);
        var tokens = tokenizer.Tokenize(rendered);
        var eos = options.EosAfterResponse ? tokenizer.SpecialTokens.EosId : null;

        var ids = new List<int>(tokens.Count + spans.Count);
        var labels = new List<int>(tokens.Count + spans.Count);
        var span = 0; // the first span that has not ended before the current token
        var spanHasEos = false;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            // A token belongs where its last character is: SentencePiece's "▁Hello" starts on the space before a reply
            // and is still the reply's first word, while a token running past a reply's end is the next turn's.
            var at = token.End > token.Start ? token.End - 1 : token.Start;
            // Close the spans this token comes after: the EOS goes between a reply's last token and what follows it.
            while (span < spans.Count && at >= spans[span].End)
            {
                CloseSpan(ids, labels, eos, ref spanHasEos);
                span++;
            }
            var inSpan = span < spans.Count && at >= spans[span].Start;
            if (inSpan && token.Id == tokenizer.SpecialTokens.EosId) spanHasEos = true;
            ids.Add(token.Id);
            labels.Add(inSpan || options.TrainOnPrompt ? token.Id : CausalLmExample.IgnoreIndex);
        }
        for (; span < spans.Count; span++) CloseSpan(ids, labels, eos, ref spanHasEos);
        return new CausalLmExample([.. ids], [.. labels]);
    }

    private static void CloseSpan(List<int> ids, List<int> labels, int? eos, ref bool spanHasEos)
    {
        if (!spanHasEos && eos is { } id)
        {
            ids.Add(id);
            labels.Add(id);
        }
        spanHasEos = false;
    }
}
