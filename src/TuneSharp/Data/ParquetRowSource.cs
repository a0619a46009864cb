using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace TuneSharp.Data;

/// <summary>
/// Parquet through Parquet.Net, one row group at a time. Flat columns of strings, booleans, integers and
/// floating-point numbers are read as text (numbers in invariant culture, booleans as "true"/"false"); list
/// columns of strings or integers are read as lists where asked (<see cref="ParquetListColumn"/>), and struct columns of
/// such lists as JSON objects where asked (<see cref="ParquetStructColumn"/>; extractive QA's answers).
/// Rows are numbered from 1 across the file, since Parquet has no lines.
/// </summary>
internal sealed class ParquetRowSource : IRowSource
{
    private readonly FileStream _stream;
    private readonly ParquetReader _reader;
    private readonly BadRowSink _sink;
    private readonly Dictionary<string, DataField> _fields = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Field> _topLevel = new(StringComparer.Ordinal);

    public ParquetRowSource(string path, BadRowSink sink)
    {
        _sink = sink;
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            // Before Parquet.Net parses the footer: see ParquetFooterCheck.
            if (ParquetFooterCheck.FindProblem(_stream) is { } problem)
                throw sink.Fatal(null, null, $"it is not a readable Parquet file: {problem}.");
            // Parquet.Net reads page headers from this stream: past the end it must fail, not spin (see EndCheckedStream).
            _reader = Wait(ParquetReader.CreateAsync(new EndCheckedStream(_stream, 0, _stream.Length), leaveStreamOpen: true));
            _ = _reader.Schema; // built on first use: a damaged footer fails here, inside this try
        }
        catch (Exception e)
        {
            _stream.Dispose();
            if (e is DataFormatException) throw;
            throw sink.Fatal(null, null, $"it is not a readable Parquet file: {e.Message}", e);
        }
        // Nested fields (structs, lists, maps) have multi-part paths; only top-level columns are offered.
        var columns = new List<string>();
        foreach (var field in _reader.Schema.Fields)
        {
            columns.Add(field.Name);
            _topLevel.TryAdd(field.Name, field);
            if (field is DataField data) _fields[field.Name] = data;
        }
        AvailableColumns = columns;
    }

    public IReadOnlyList<string> AvailableColumns { get; }

    public IEnumerable<TabularRow> ReadRows(RowLayout layout)
    {
        var columns = layout.Columns;
        // Text columns are read by field, list columns by their leaf, JSON (struct) columns by their fields' leaves; a column
        // is one of them.
        var fields = columns.Select((c, i) => layout.IsList(i) || layout.IsJson(i) ? null : Field(c)).ToArray();
        var lists = columns.Select((c, i) => layout.IsList(i) ? ParquetListColumn.For(_topLevel.GetValueOrDefault(c), c, _sink) : null).ToArray();
        var structs = columns.Select((c, i) => layout.IsJson(i) ? ParquetStructColumn.For(_topLevel.GetValueOrDefault(c), c, _sink) : null).ToArray();
        var rowNumber = 0;
        for (var group = 0; group < _reader.RowGroupCount; group++)
        {
            var values = ReadGroup(group, fields, lists, structs, out var listValues, out var structValues, out var rowCount);
            for (var row = 0; row < rowCount; row++)
            {
                rowNumber++;
                var rowValues = new string?[columns.Count];
                var rowLists = layout.HasLists ? new ListCell?[columns.Count] : null;
                var rowJson = layout.HasJson ? new System.Text.Json.JsonElement?[columns.Count] : null;
                string? problem = null;
                var problemColumn = -1;
                for (var c = 0; c < columns.Count; c++)
                {
                    if (fields[c] is not null)
                    {
                        rowValues[c] = values[c]![row];
                        continue;
                    }
                    if (structs[c] is not null)
                    {
                        var (json, structProblem) = structValues[c]![row];
                        if (structProblem is not null && problem is null) (problem, problemColumn) = (structProblem, c);
                        rowJson![c] = json;
                        continue;
                    }
                    var cell = listValues[c]![row];
                    if (cell.Problem is not null && problem is null) (problem, problemColumn) = (cell.Problem, c);
                    rowLists![c] = cell.List;
                }
                if (problem is not null)
                {
                    _sink.Report(rowNumber, columns[problemColumn], "unsupported value", problem);
                    continue;
                }
                yield return new TabularRow(rowNumber, rowValues, layout, rowLists, rowJson);
            }
        }
    }

    private DataField Field(string column)
    {
        if (!_fields.TryGetValue(column, out var field) || field.IsArray)
            throw _sink.Fatal(null, column, "the column is nested (a list, map or struct); expected a flat column of strings, numbers or booleans.");
        if (!IsSupported(field.ClrType))
            throw _sink.Fatal(null, column, $"the column holds {field.ClrType.Name} values; expected strings, integers, floating-point numbers or booleans.");
        return field;
    }

    /// <summary>
    /// The values of one row group: text columns' strings (null for list columns) and, in <paramref name="listValues"/>,
    /// list columns' cells and, in <paramref name="structValues"/>, struct columns' JSON values (null for other columns).
    /// </summary>
    private string?[]?[] ReadGroup(int group, DataField?[] fields, ParquetListColumn?[] lists, ParquetStructColumn?[] structs,
        out ParquetListCell[]?[] listValues, out (System.Text.Json.JsonElement?, string?)[]?[] structValues, out int rowCount)
    {
        using var reader = _reader.OpenRowGroupReader(group);
        if (reader.RowCount is < 0 or > int.MaxValue)
            throw _sink.Fatal(null, null, $"row group {group} claims {reader.RowCount} rows; the file is damaged.");
        var count = (int)reader.RowCount;
        rowCount = count;
        // Before Parquet.Net (or the arrays below) allocate what the file claims: see ParquetPageCheck.
        for (var c = 0; c < fields.Length; c++)
        {
            var (leaves, column, repeated) = fields[c] is { } field ? ([field], field.Name, false)
                : lists[c] is { } list ? ([list.Leaf], list.Column, true)
                : (structs[c]!.Leaves.ToArray(), structs[c]!.Column, true);
            foreach (var leaf in leaves)
                if (reader.GetMetadata(leaf) is { } chunk && ParquetPageCheck.FindProblem(_stream, chunk, count, repeated) is { } problem)
                    throw _sink.Fatal(null, column, $"row group {group} is damaged: {problem}.");
        }
        try
        {
            listValues = lists.Select(l => l is null ? null : Wait(l.ReadAsync(reader, count))).ToArray();
            structValues = structs.Select(s => s is null ? null : Wait(s.ReadAsync(reader, count))).ToArray();
            return fields.Select(f => f is null ? null : Wait(ReadColumn(reader, f, count))).ToArray();
        }
        catch (Exception e) when (e is not DataFormatException)
        {
            throw _sink.Fatal(null, null, $"row group {group} cannot be read: {e.Message}", e);
        }
    }

    private static bool IsSupported(Type type) =>
        type == typeof(ReadOnlyMemory<char>) || type == typeof(string) || type == typeof(bool) ||
        type == typeof(sbyte) || type == typeof(byte) || type == typeof(short) || type == typeof(ushort) ||
        type == typeof(int) || type == typeof(uint) || type == typeof(long) || type == typeof(ulong) ||
        type == typeof(float) || type == typeof(double);

    private static async Task<string?[]> ReadColumn(ParquetRowGroupReader reader, DataField field, int count)
    {
        var type = field.ClrType;
        if (type == typeof(ReadOnlyMemory<char>) || type == typeof(string))
        {
            var strings = new string?[count];
            await reader.ReadAsync(field, strings.AsMemory());
            return strings;
        }
        if (type == typeof(bool)) return await ReadStruct<bool>(reader, field, count);
        if (type == typeof(sbyte)) return await ReadStruct<sbyte>(reader, field, count);
        if (type == typeof(byte)) return await ReadStruct<byte>(reader, field, count);
        if (type == typeof(short)) return await ReadStruct<short>(reader, field, count);
        if (type == typeof(ushort)) return await ReadStruct<ushort>(reader, field, count);
        if (type == typeof(int)) return await ReadStruct<int>(reader, field, count);
        if (type == typeof(uint)) return await ReadStruct<uint>(reader, field, count);
        if (type == typeof(long)) return await ReadStruct<long>(reader, field, count);
        if (type == typeof(ulong)) return await ReadStruct<ulong>(reader, field, count);
        if (type == typeof(float)) return await ReadStruct<float>(reader, field, count);
        return await ReadStruct<double>(reader, field, count);
    }

    private static async Task<string?[]> ReadStruct<T>(ParquetRowGroupReader reader, DataField field, int count) where T : struct
    {
        if (field.IsNullable)
        {
            var nullable = new T?[count];
            await reader.ReadAsync<T>(field, nullable.AsMemory());
            return nullable.Select(v => v is { } value ? Format(value) : null).ToArray();
        }
        var values = new T[count];
        await reader.ReadAsync<T>(field, values.AsMemory());
        return values.Select(v => (string?)Format(v)).ToArray();
    }

    private static string Format<T>(T value) where T : struct => value switch
    {
        bool b => b ? "true" : "false",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };

    // Parquet.Net is async-only; this reader is synchronous like the others (no synchronization context in play).
    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    private static T Wait<T>(ValueTask<T> task) => task.AsTask().GetAwaiter().GetResult();

    public void Dispose()
    {
        _reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stream.Dispose();
    }
}
