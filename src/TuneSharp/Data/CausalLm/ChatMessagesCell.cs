using System.Text.Json;
using TuneSharp.Tokenization.ChatTemplates;

namespace TuneSharp.Data;

/// <summary>Reads a chat row's messages cell: a JSON list of <c>{"role": ..., "content": ...}</c> objects.</summary>
internal static class ChatMessagesCell
{
    /// <summary>The roles a conversation may use: the three every chat template knows. Tool turns are not read
    /// (their content is structured and templates disagree on them).</summary>
    public static readonly IReadOnlyList<string> Roles = ["system", "user", "assistant"];

    private const string Expected = "expected a list of {\"role\": \"system\" | \"user\" | \"assistant\", \"content\": \"...\"} objects";

    /// <summary>A problem with the cell: the field at fault (<c>messages[2].role</c>), a short reason and what was expected.</summary>
    public readonly record struct Problem(string Field, string Reason, string Detail);

    /// <summary>The messages of <paramref name="value"/>, or null with <paramref name="problem"/> saying what is wrong.</summary>
    public static IReadOnlyList<ChatMessage>? Read(JsonElement? value, string column, out Problem problem)
    {
        problem = default;
        if (value is not { } cell)
        {
            problem = new(column, "missing messages", $"the messages are missing; {Expected}.");
            return null;
        }
        if (cell.ValueKind != JsonValueKind.Array)
        {
            problem = new(column, "not a message list", $"{Expected}, found {JsonValues.Describe(cell.ValueKind)}.");
            return null;
        }
        if (cell.GetArrayLength() == 0)
        {
            problem = new(column, "no messages", $"the list of messages is empty; {Expected}.");
            return null;
        }
        var messages = new List<ChatMessage>(cell.GetArrayLength());
        var i = 0;
        foreach (var item in cell.EnumerateArray())
        {
            if (ReadMessage(item, i, $"{column}[{i}]", out problem) is not { } message) return null;
            messages.Add(message);
            i++;
        }
        return messages;
    }

    private static ChatMessage? ReadMessage(JsonElement item, int index, string field, out Problem problem)
    {
        problem = default;
        if (item.ValueKind != JsonValueKind.Object)
        {
            problem = new(field, "not a message", $"message {index} is {JsonValues.Describe(item.ValueKind)}; {Expected}.");
            return null;
        }
        if (!item.TryGetProperty("role", out var roleValue) || roleValue.ValueKind != JsonValueKind.String)
        {
            problem = new($"{field}.role", "bad role", $"message {index} has {DescribeMissing(item, "role", roleValue)}; expected a role string: system, user or assistant.");
            return null;
        }
        var role = roleValue.GetString()!;
        if (!Roles.Contains(role, StringComparer.Ordinal))
        {
            problem = new($"{field}.role", "unsupported role", $"message {index} has role '{TextExcerpt.Of(role, 40)}'; expected system, user or assistant.");
            return null;
        }
        if (role == "system" && index > 0)
        {
            problem = new($"{field}.role", "misplaced system message", $"message {index} is a system message; a system message may only come first.");
            return null;
        }
        if (!item.TryGetProperty("content", out var contentValue) || contentValue.ValueKind != JsonValueKind.String)
        {
            problem = new($"{field}.content", "bad content", $"message {index} ({role}) has {DescribeMissing(item, "content", contentValue)}; expected the content as a string.");
            return null;
        }
        return new ChatMessage(role, contentValue.GetString()!);
    }

    private static string DescribeMissing(JsonElement item, string key, JsonElement value) =>
        item.TryGetProperty(key, out _) ? $"a '{key}' that is {JsonValues.Describe(value.ValueKind)}" : $"no '{key}'";
}
