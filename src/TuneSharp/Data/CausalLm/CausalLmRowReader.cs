using TuneSharp.Tokenization.ChatTemplates;

namespace TuneSharp.Data;

/// <summary>Turns one row of a causal-LM row file into a document or a conversation, as its format says.</summary>
internal abstract class CausalLmRowReader
{
    public const string Instruction = "instruction";
    public const string Input = "input";
    public const string Output = "output";
    public const string System = "system";

    /// <summary>A row read: a document, a conversation, or the problem that makes it unusable.</summary>
    public readonly record struct Result(string? Document, IReadOnlyList<ChatMessage>? Conversation, ChatMessagesCell.Problem? Problem);

    /// <summary>The columns to read, in order.</summary>
    public abstract IReadOnlyList<string> Columns { get; }

    /// <summary>The columns read as JSON values.</summary>
    public virtual IReadOnlyList<string>? JsonColumns => null;

    public abstract Result Read(TabularRow row);

    public static CausalLmRowReader For(CausalLmDataFormat format, IReadOnlyList<string> available, CausalLmDataOptions options) => format switch
    {
        CausalLmDataFormat.Text => new TextRows(options.TextColumn),
        CausalLmDataFormat.Alpaca => new AlpacaRows(available.Contains(Input, StringComparer.Ordinal), available.Contains(System, StringComparer.Ordinal)),
        CausalLmDataFormat.Chat => new ChatRows(options.MessagesColumn),
        _ => throw new ArgumentOutOfRangeException(nameof(format), $"{format} is not a row format."),
    };

    private static Result Bad(string field, string reason, string detail) => new(null, null, new ChatMessagesCell.Problem(field, reason, detail));

    private static string Emptiness(string? text) => text is null ? "missing" : text.Length == 0 ? "empty" : "whitespace only";

    private sealed class TextRows(string column) : CausalLmRowReader
    {
        public override IReadOnlyList<string> Columns => [column];

        public override Result Read(TabularRow row)
        {
            var text = row.Values[0];
            return string.IsNullOrWhiteSpace(text)
                ? Bad(column, "empty text", $"the text is {Emptiness(text)}; expected non-empty text.")
                : new Result(text, null, null);
        }
    }

    /// <summary>
    /// Alpaca rows as a conversation: the user turn is the instruction, followed by a blank line and the input when
    /// there is one (the layout of the Alpaca prompt, without its fixed preamble, which the chat template replaces),
    /// and the assistant turn is the output.
    /// </summary>
    private sealed class AlpacaRows(bool hasInput, bool hasSystem) : CausalLmRowReader
    {
        public override IReadOnlyList<string> Columns =>
            [Instruction, Output, .. hasInput ? new[] { Input } : [], .. hasSystem ? new[] { System } : []];

        public override Result Read(TabularRow row)
        {
            var instruction = row[Instruction];
            var output = row[Output];
            if (string.IsNullOrWhiteSpace(instruction))
                return Bad(Instruction, "empty instruction", $"the instruction is {Emptiness(instruction)}; expected the task as text.");
            // An empty output is a real row of Alpaca-style data (2 of the 5,000 here): the reply is then only the end of
            // the turn, as transformers/TRL train it. A missing one is an error.
            if (output is null)
                return Bad(Output, "missing output", $"the output is {Emptiness(output)}; expected the response to train on (an empty string for none).");
            var input = hasInput ? row[Input] : null;
            var system = hasSystem ? row[System] : null;
            var user = string.IsNullOrEmpty(input) ? instruction : instruction + "\n\n" + input;
            List<ChatMessage> messages = [];
            if (!string.IsNullOrWhiteSpace(system)) messages.Add(new ChatMessage("system", system));
            messages.Add(new ChatMessage("user", user));
            messages.Add(new ChatMessage("assistant", output));
            return new Result(null, messages, null);
        }
    }

    private sealed class ChatRows(string column) : CausalLmRowReader
    {
        public override IReadOnlyList<string> Columns => [column];

        public override IReadOnlyList<string>? JsonColumns => [column];

        public override Result Read(TabularRow row) => ChatMessagesCell.Read(row.GetJson(column), column, out var problem) is { } messages
            ? new Result(null, messages, null)
            : new Result(null, null, problem);
    }
}
