namespace TuneSharp.Data;

/// <summary>
/// Orders strings by Unicode code point, as Python's <c>sorted</c> does for <c>str</c> (and so run_ner's label list).
/// Ordinal UTF-16 order differs only where a character above U+FFFF (a surrogate pair) meets one in U+E000..U+FFFF.
/// </summary>
internal sealed class CodePointOrder : IComparer<string>
{
    public static CodePointOrder Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null) return x is null ? (y is null ? 0 : -1) : 1;
        var a = x.EnumerateRunes();
        var b = y.EnumerateRunes();
        while (true)
        {
            var moreA = a.MoveNext();
            var moreB = b.MoveNext();
            if (!moreA || !moreB) return moreA ? 1 : moreB ? -1 : 0;
            var byValue = a.Current.Value.CompareTo(b.Current.Value);
            if (byValue != 0) return byValue;
        }
    }
}
