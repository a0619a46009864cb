using System.Text.Json;
using System.Text.Unicode;

namespace TuneSharp.Data;

/// <summary>
/// What JSON Lines and JSON arrays share: each row is a JSON object whose keys are the columns. The columns on
/// offer are the keys of the first object; a later object without a key gives null for that column.
/// </summary>
internal abstract class JsonObjectRowSource(BadRowSink sink) : IRowSource
{
    protected static readonly JsonDocumentOptions DocumentOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    protected BadRowSink Sink { get; } = sink;

    private IEnumerator<(int Line, JsonElement Object)>? _objects;
    private (int Line, JsonElement Object)? _first;

    public IReadOnlyList<string> AvailableColumns { get; private set; } = [];

    /// <summary>
    /// Each element of the file with the line it starts on, as UTF-8 bytes valid until the next element is asked
    /// for. Problems that leave the rest of the file unreadable are thrown.
    /// </summary>
    protected abstract IEnumerable<(int Line, ReadOnlyMemory<byte> Json)> Elements();

    /// <summary>Reads up to the first object, whose keys name the columns. Derived constructors call it last.</summary>
    protected void ReadFirstObject()
    {
        _objects = Objects().GetEnumerator();
        if (!_objects.MoveNext()) return;
        _first = _objects.Current;
        AvailableColumns = _objects.Current.Object.EnumerateObject().Select(p => p.Name).Distinct(StringComparer.Ordinal).ToList();
    }

    public IEnumerable<TabularRow> ReadRows(RowLayout layout)
    {
        if (_first is not { } first) yield break;
        if (ToRow(first.Line, first.Object, layout) is { } firstRow) yield return firstRow;
        while (_objects!.MoveNext())
        {
            if (ToRow(_objects.Current.Line, _objects.Current.Object, layout) is { } row) yield return row;
        }
    }

    private IEnumerable<(int Line, JsonElement Object)> Objects()
    {
        foreach (var (line, json) in Elements())
        {
            // JsonDocument checks UTF-8 in strings only when they are read; check the whole element up front.
            if (!Utf8.IsValid(json.Span))
            {
                Sink.Report(line, null, "invalid UTF-8", "the text is not valid UTF-8; expected UTF-8. Re-encode the file as UTF-8.");
                continue;
            }
            if (Parse(line, json) is not { } element) continue;
            if (JsonValues.HasUnreadableString(json.Span, element))
            {
                Sink.Report(line, null, "invalid text", JsonValues.UnreadableStringProblem);
                continue;
            }
            if (element.ValueKind != JsonValueKind.Object)
            {
                Sink.Report(line, null, "not a JSON object", $"expected a JSON object ({{\"column\": value, ...}}), found {JsonValues.Describe(element.ValueKind)}.");
                continue;
            }
            yield return (line, element);
        }
    }

    private JsonElement? Parse(int line, ReadOnlyMemory<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json, DocumentOptions);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            Sink.Report(line, null, "malformed JSON", $"not valid JSON: {e.Message}");
            return null;
        }
    }

    private TabularRow? ToRow(int line, JsonElement row, RowLayout layout)
    {
        var columns = layout.Columns;
        var values = new string?[columns.Count];
        var lists = layout.HasLists ? new ListCell?[columns.Count] : null;
        var json = layout.HasJson ? new JsonElement?[columns.Count] : null;
        for (var i = 0; i < columns.Count; i++)
        {
            if (!row.TryGetProperty(columns[i], out var value)) continue;
            if (layout.IsJson(i))
            {
                // The row's element is already a clone that outlives its document (Parse), so its parts can be kept.
                json![i] = value.ValueKind == JsonValueKind.Null ? null : value;
                continue;
            }
            var read = layout.IsList(i)
                ? JsonValues.TryGetList(value, out lists![i], out var problem)
                : JsonValues.TryGetText(value, out values[i], out problem);
            if (!read)
            {
                Sink.Report(line, columns[i], "unsupported value", problem!);
                return null;
            }
        }
        return new TabularRow(line, values, layout, lists, json);
    }

    public abstract void Dispose();
}
