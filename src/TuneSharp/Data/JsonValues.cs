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

    /// <summary>What a list cell must be, for messages.</summary>
    public const string ExpectedList = "expected a list of strings or integers";

    /// <summary>
    /// A JSON array whose items are all strings or all integers (numbers without a fraction or exponent that fit in
    /// 64 bits) as a <see cref="ListCell"/>; null as null. Anything else: false, with <paramref name="problem"/>
    /// saying what was found ("expected a list of strings or integers, found a number.").
    /// </summary>
    public static bool TryGetList(JsonElement value, out ListCell? list, out string? problem)
    {
        list = null;
        problem = null;
        if (value.ValueKind == JsonValueKind.Null) return true;
        if (value.ValueKind != JsonValueKind.Array)
        {
            problem = $"{ExpectedList}, found {Describe(value.ValueKind)}.";
            return false;
        }
        var count = value.GetArrayLength();
        if (count == 0)
        {
            list = ListCell.Empty;
            return true;
        }
        var firstKind = value[0].ValueKind;
        if (firstKind == JsonValueKind.String)
        {
            var strings = new string[count];
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                {
                    problem = $"item {i + 1} of the list is {Describe(item.ValueKind)} but item 1 is a string; {ExpectedList}, all of one kind.";
                    return false;
                }
                strings[i++] = item.GetString()!;
            }
            list = ListCell.OfStrings(strings);
            return true;
        }
        if (firstKind == JsonValueKind.Number)
        {
            var integers = new long[count];
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number)
                {
                    problem = $"item {i + 1} of the list is {Describe(item.ValueKind)} but item 1 is a number; {ExpectedList}, all of one kind.";
                    return false;
                }
                if (!IsInteger(item, out integers[i]))
                {
                    problem = $"item {i + 1} of the list is the number {TextExcerpt.Of(item.GetRawText(), 40)}, which is not an integer; {ExpectedList}.";
                    return false;
                }
                i++;
            }
            list = ListCell.OfIntegers(integers);
            return true;
        }
        problem = $"{ExpectedList}, found a list whose item 1 is {Describe(firstKind)}.";
        return false;
    }

    /// <summary>"3" and "-12" are integers; "3.0", "1e2" and numbers beyond 64 bits are not (the whole number must parse as an Int64).</summary>
    private static bool IsInteger(JsonElement number, out long value) => number.TryGetInt64(out value);

    /// <summary>The message for a string that <see cref="HasUnreadableString(ReadOnlySpan{byte}, JsonElement)"/> finds.</summary>
    public const string UnreadableStringProblem =
        "a string or key contains an unpaired UTF-16 surrogate escape (such as \\ud800), which is not valid text.";

    /// <summary>
    /// Whether a string value or key in <paramref name="element"/> cannot be read as text: an escaped unpaired UTF-16
    /// surrogate ("\ud800") is accepted by the JSON parser but makes reading the string throw an
    /// InvalidOperationException later. <paramref name="json"/> is the element's UTF-8 text, scanned first so that
    /// the walk only happens when a "\u" escape is present at all.
    /// </summary>
    public static bool HasUnreadableString(ReadOnlySpan<byte> json, JsonElement element) =>
        json.IndexOf("\\u"u8) >= 0 && HasUnreadableString(element);

    private static bool HasUnreadableString(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    element.GetString();
                    return false;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                        if (HasUnreadableString(item)) return true;
                    return false;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                        if (property.Name is null || HasUnreadableString(property.Value)) return true;
                    return false;
                default:
                    return false;
            }
        }
        catch (InvalidOperationException)
        {
            return true;
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
