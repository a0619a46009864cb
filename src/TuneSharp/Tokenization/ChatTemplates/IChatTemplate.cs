namespace TuneSharp.Tokenization.ChatTemplates;

/// <summary>
/// Turns a conversation into the prompt text a chat model was trained on, as transformers'
/// <c>tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=...)</c>. The special tokens a
/// template names (<c>bos_token</c>, <c>eos_token</c>) are bound when the template is made.
/// </summary>
public interface IChatTemplate
{
    /// <summary>Where the template came from: a built-in name ("chatml"), "tokenizer_config.json" or a file path.</summary>
    string Name { get; }

    /// <summary>
    /// The conversation as text. With <paramref name="addGenerationPrompt"/> the text ends with what opens an assistant
    /// turn (e.g. <c>&lt;|im_start|&gt;assistant\n</c>), so a model continues with the reply.
    /// </summary>
    /// <exception cref="ChatTemplateException">The template raised an error for these messages (raise_exception), or
    /// uses a construct the renderer does not support (named in the message).</exception>
    string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt);
}

/// <summary>A chat template that cannot be parsed or rendered; the message names the template and the construct.</summary>
public sealed class ChatTemplateException(string message) : TuneSharpException(message);
