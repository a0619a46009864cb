namespace TuneSharp.Tokenization.ChatTemplates;

/// <summary>One turn of a conversation, as in transformers' <c>apply_chat_template</c> messages: a role ("system",
/// "user", "assistant", ...) and its text.</summary>
/// <param name="Role">The speaker: "system", "user" or "assistant" (templates may accept others).</param>
/// <param name="Content">The turn's text.</param>
public sealed record ChatMessage(string Role, string Content);
