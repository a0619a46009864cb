using System.Text.Json;

namespace TuneSharp.Data;

/// <summary>Turns the JSON value of one column into the string a <see cref="TabularRow"/> holds.</summary>
internal static class JsonValues
{
    /// <summary>
    /// A string as is, a number as written (so <c>1</c> stays "1"), a boolean as "true"/"false", null as null.
    /// Objects and arrays cannot be one column's text: false, with <paramref name="problem"/> saying so.
    /// </summary>
    public static bool TryGetText(JsonElement value, out string? text, out string? problem)
    {
        problem = null;
        switch (value.ValueKind)
        {
            case JsonValueKind.String: text = value.GetString(); return true;
            case JsonValueKind.Number: text = value.GetRawText(); return true;
            case JsonValueKind.True: text = "true"; return true;
            case JsonValueKind.False: text = "false"; return true;
            case JsonValueKind.Null: text = null; return true;
            default:
                text = null;
                problem = $"expected a string, number or boolean, found {Describe(value.ValueKind)}.";
                return false;
        }
    }

    /// <summary>"a string", "an array" ... for messages.</summary>
    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };
}
