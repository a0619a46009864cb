using System.Text.Json;
using System.Text.Json.Nodes;
using Parquet;
using Parquet.Schema;

namespace TuneSharp.Data;

/// <summary>
/// A top-level Parquet struct column whose fields are lists of strings or integers, read as one JSON object per row:
/// the layout Hugging Face datasets and pyarrow write for nested cells such as extractive QA's
/// <c>answers: {text: list&lt;string&gt;, answer_start: list&lt;int32&gt;}</c>. Each field is read by
/// <see cref="ParquetListColumn"/> (its levels include the struct's own); a row whose fields are all null lists is a null
/// struct (JSON null).
/// </summary>
internal sealed class ParquetStructColumn
{
    private readonly ParquetListColumn[] _fields;
    private readonly string[] _names;

    private ParquetStructColumn(string column, string[] names, ParquetListColumn[] fields)
    {
        Column = column;
        _names = names;
        _fields = fields;
    }

    /// <summary>The column's name.</summary>
    public string Column { get; }

    /// <summary>The data fields that hold the struct's list items, one per field.</summary>
    public IEnumerable<DataField> Leaves => _fields.Select(f => f.Leaf);

    /// <summary>The reader of <paramref name="field"/>, or a fatal error saying why it is not a struct of lists.</summary>
    public static ParquetStructColumn For(Field? field, string column, BadRowSink sink)
    {
        const string expected = "expected nested values: a struct whose fields are lists of strings or integers (such as answers {text: [...], answer_start: [...]})";
        if (field is not StructField structure)
            throw sink.Fatal(null, column, $"{expected}, found {(field is null ? "no such column" : field is ListField ? "a list" : "a flat column")}.");
        var fields = structure.Fields.Select(f => f is ListField
                ? ParquetListColumn.For(f, $"{column}.{f.Name}", sink)
                : throw sink.Fatal(null, column, $"{expected}; its field '{f.Name}' is not a list."))
            .ToArray();
        if (fields.Length == 0) throw sink.Fatal(null, column, $"{expected}; the struct has no fields.");
        return new ParquetStructColumn(column, structure.Fields.Select(f => f.Name).ToArray(), fields);
    }

    /// <summary>The JSON value of each of the <paramref name="rowCount"/> rows of a row group, or why a row cannot be used.</summary>
    public async Task<(JsonElement? Value, string? Problem)[]> ReadAsync(ParquetRowGroupReader reader, int rowCount)
    {
        var columns = new ParquetListCell[_fields.Length][];
        for (var f = 0; f < _fields.Length; f++) columns[f] = await _fields[f].ReadAsync(reader, rowCount);
        var rows = new (JsonElement?, string?)[rowCount];
        for (var row = 0; row < rowCount; row++)
        {
            var problem = Enumerable.Range(0, _fields.Length).Select(f => columns[f][row].Problem is { } p ? $"field '{_names[f]}': {p}" : null).FirstOrDefault(p => p is not null);
            if (problem is not null)
            {
                rows[row] = (null, problem);
                continue;
            }
            if (Enumerable.Range(0, _fields.Length).All(f => columns[f][row].List is null))
            {
                rows[row] = (null, null);
                continue;
            }
            var value = new JsonObject();
            for (var f = 0; f < _fields.Length; f++)
                value[_names[f]] = columns[f][row].List is not { } list ? null
                    : list.Strings is { } strings ? new JsonArray([.. strings.Select(s => (JsonNode?)JsonValue.Create(s))])
                    : new JsonArray([.. list.Integers!.Select(i => (JsonNode?)JsonValue.Create(i))]);
            rows[row] = (JsonSerializer.SerializeToElement(value), null);
        }
        return rows;
    }
}
