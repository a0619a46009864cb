using System.Text;
using TuneSharp.Tokenization.ChatTemplates;

namespace TuneSharp.Tests.Tasks.CausalLm;

/// <summary>Small hand-written chat templates standing in for rendered Jinja templates.</summary>
internal static class TestChatTemplates
{
    /// <summary>ChatML: turns closed by &lt;|im_end|&gt;, no BOS and no EOS written.</summary>
    public static IChatTemplate ChatMl { get; } = new Lambda("test-chatml", (messages, prompt) =>
    {
        var text = new StringBuilder();
        foreach (var m in messages) text.Append($"<|im_start|>{m.Role}\n{m.Content}<|im_end|>\n");
        if (prompt) text.Append("<|im_start|>assistant\n");
        return text.ToString();
    });

    /// <summary>Zephyr-like: BOS first, every assistant turn ends with the EOS token &lt;/s&gt;.</summary>
    public static IChatTemplate WithEos { get; } = new Lambda("test-eos", (messages, prompt) =>
    {
        var text = new StringBuilder("<s>");
        foreach (var m in messages)
            text.Append(m.Role == "assistant" ? $"<|assistant|>\n{m.Content}</s>\n" : $"<|{m.Role}|>\n{m.Content}\n");
        if (prompt) text.Append("<|assistant|>\n");
        return text.ToString();
    });

    /// <summary>Starts with the number of turns, so no shorter rendering is a prefix of a longer one: spans come from
    /// finding the contents.</summary>
    public static IChatTemplate Counting { get; } = new Lambda("test-counting", (messages, prompt) =>
        $"<s>[{messages.Count} turns]\n" + string.Concat(messages.Select(m => $"{m.Role}: {m.Content}\n")) + (prompt ? "assistant: " : ""));

    /// <summary>Writes the replies in capitals, so they are nowhere in the rendering as written.</summary>
    public static IChatTemplate Shouting { get; } = new Lambda("test-shouting", (messages, prompt) =>
        $"[{messages.Count}]" + string.Concat(messages.Select(m => $"{m.Role}: {(m.Role == "assistant" ? m.Content.ToUpperInvariant() : m.Content)}\n")));

    private sealed class Lambda(string name, Func<IReadOnlyList<ChatMessage>, bool, string> render) : IChatTemplate
    {
        public string Name => name;

        public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt) => render(messages, addGenerationPrompt);
    }
}
