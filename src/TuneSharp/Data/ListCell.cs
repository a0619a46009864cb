namespace TuneSharp.Data;

/// <summary>
/// The value of a cell that holds a list (a JSON array, a Parquet list column), as read for a column named in
/// <see cref="DatasetReadOptions.ListColumns"/>: either all strings or all integers. An empty list is both.
/// </summary>
public sealed class ListCell
{
    private static readonly ListCell EmptyList = new([], []);

    private ListCell(IReadOnlyList<string>? strings, IReadOnlyList<long>? integers)
    {
        Strings = strings;
        Integers = integers;
        Count = strings?.Count ?? integers!.Count;
    }

    /// <summary>The empty list.</summary>
    public static ListCell Empty => EmptyList;

    /// <summary>A list of strings (an empty one is <see cref="Empty"/>).</summary>
    public static ListCell OfStrings(IReadOnlyList<string> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return items.Count == 0 ? EmptyList : new ListCell(items, null);
    }

    /// <summary>A list of integers (an empty one is <see cref="Empty"/>).</summary>
    public static ListCell OfIntegers(IReadOnlyList<long> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return items.Count == 0 ? EmptyList : new ListCell(null, items);
    }

    /// <summary>The items when they are strings (or the list is empty); otherwise null.</summary>
    public IReadOnlyList<string>? Strings { get; }

    /// <summary>The items when they are integers (or the list is empty); otherwise null.</summary>
    public IReadOnlyList<long>? Integers { get; }

    /// <summary>The number of items.</summary>
    public int Count { get; }

    /// <summary>"a list of 3 strings", "a list of 2 integers", "an empty list": for messages.</summary>
    public string Describe() => Count == 0
        ? "an empty list"
        : $"a list of {Count} {(Strings is not null ? "string" : "integer")}{(Count == 1 ? "" : "s")}";

    public override string ToString() => Strings is not null
        ? $"[{string.Join(", ", Strings.Select(s => $"\"{s}\""))}]"
        : $"[{string.Join(", ", Integers!)}]";
}
