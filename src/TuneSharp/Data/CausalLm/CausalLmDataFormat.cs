namespace TuneSharp.Data;

/// <summary>What the rows of a causal-LM data file hold; <see cref="CausalLmData.Load"/> detects it unless
/// <see cref="CausalLmDataOptions.Format"/> names it.</summary>
public enum CausalLmDataFormat
{
    /// <summary>A plain text file (.txt): every non-blank line is one document (a row of transformers' "text" loader).</summary>
    PlainText,
    /// <summary>Rows with a text column (<see cref="CausalLmDataOptions.TextColumn"/>): one document per row.</summary>
    Text,
    /// <summary>Alpaca rows: <c>instruction</c>, optional <c>input</c> and <c>system</c>, and <c>output</c>; each a
    /// two-turn conversation (a system turn first when there is one).</summary>
    Alpaca,
    /// <summary>Chat rows: a list of <c>{"role", "content"}</c> messages (<see cref="CausalLmDataOptions.MessagesColumn"/>).</summary>
    Chat,
}
