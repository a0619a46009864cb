namespace TuneSharp.Data;

/// <summary>The columns a reader returns, in order, and which of them are read as lists (<see cref="ListCell"/>) or JSON values rather than text.</summary>
internal sealed class RowLayout
{
    private readonly bool[] _isList;
    private readonly bool[] _isJson;

    public RowLayout(IReadOnlyList<string> columns, IReadOnlyCollection<string>? listColumns, IReadOnlyCollection<string>? jsonColumns = null)
    {
        Columns = columns;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < columns.Count; i++) index[columns[i]] = i;
        Index = index;
        _isList = columns.Select(c => listColumns?.Contains(c, StringComparer.Ordinal) == true).ToArray();
        HasLists = _isList.Any(l => l);
        _isJson = columns.Select(c => jsonColumns?.Contains(c, StringComparer.Ordinal) == true).ToArray();
        HasJson = _isJson.Any(j => j);
    }

    public IReadOnlyList<string> Columns { get; }

    public IReadOnlyDictionary<string, int> Index { get; }

    /// <summary>Whether any column is read as a list.</summary>
    public bool HasLists { get; }

    /// <summary>Whether column <paramref name="i"/> is read as a list.</summary>
    public bool IsList(int i) => _isList[i];

    /// <summary>Whether any column is read as a JSON value.</summary>
    public bool HasJson { get; }

    /// <summary>Whether column <paramref name="i"/> is read as a JSON value.</summary>
    public bool IsJson(int i) => _isJson[i];
}
